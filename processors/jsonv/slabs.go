package jsonv

import "unsafe"

// slabs are the chunks a parse allocates its values from: the strings it
// boxes into interfaces, the members of its objects, the elements of its
// arrays and the objects themselves. Taking many small values from one
// chunk replaces an allocation per value with one per chunk; the values of
// one parse then live and die together, which is how a notification's
// values are used. Chunks are sized from the input left to parse, and are
// never shared between two parses.
type slabs struct {
	strChunk []string
	memChunk []member
	valChunk []any
	objChunk []Object
	small    bool // the caller keeps little of the input (ParseKeep)
}

// eface is the layout of an interface{} value.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// stringType is the type word of an interface{} holding a string. It is
// set once, at program start.
var stringType = func() unsafe.Pointer {
	var v any = ""
	return (*eface)(unsafe.Pointer(&v)).typ
}()

// chunkSize is how many values of about bytesPer bytes of input each the
// rest of the input may hold, within [lo, hi].
func (p *parser) chunkSize(bytesPer, lo, hi int) int {
	if p.small {
		return lo
	}
	return min(max((len(p.s)-p.pos)/bytesPer, lo), hi)
}

// boxString returns s as an interface value whose string header lives in a
// chunk, instead of an allocation of its own as any(s) makes. The header is
// never written again, as an interface's data must not be.
func (p *parser) boxString(s string) any {
	if len(s) == 0 {
		return ""
	}
	if len(p.strChunk) == 0 {
		p.strChunk = make([]string, p.chunkSize(32, 4, 256))
	}
	p.strChunk[0] = s
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{stringType, unsafe.Pointer(&p.strChunk[0])}
	p.strChunk = p.strChunk[1:]
	return v
}

// newObject returns an object with room for exactly n members.
func (p *parser) newObject(n int) *Object {
	if len(p.objChunk) == 0 {
		p.objChunk = make([]Object, p.chunkSize(256, 2, 32))
	}
	o := &p.objChunk[0]
	p.objChunk = p.objChunk[1:]
	if n > 0 {
		if len(p.memChunk) < n {
			p.memChunk = make([]member, max(n, p.chunkSize(24, 8, 512)))
		}
		// A full slice expression: appending to the members reallocates
		// instead of running into the next object's.
		o.members = p.memChunk[:n:n]
		p.memChunk = p.memChunk[n:]
	}
	return o
}

// takeVals returns a slice of exactly n elements for an array.
func (p *parser) takeVals(n int) []any {
	if len(p.valChunk) < n {
		p.valChunk = make([]any, max(n, p.chunkSize(64, 4, 256)))
	}
	a := p.valChunk[:n:n]
	p.valChunk = p.valChunk[n:]
	return a
}
