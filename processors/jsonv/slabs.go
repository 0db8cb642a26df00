package jsonv

import (
	"math"
	"unsafe"
)

// slabs are the chunks a parse allocates its values from: the strings it
// boxes into interfaces, the members of its objects, the elements of its
// arrays and the objects themselves. Taking many small values from one
// chunk replaces an allocation per value with one per chunk; the values of
// one parse then live and die together, which is how a notification's
// values are used. Chunks are sized from the input left to parse, and are
// never shared between two parses.
type slabs struct {
	byteChunk []byte // the bytes of strings copied from borrowed input or unescaped
	strChunk  []string
	numChunk  []uint64 // the int64 and float64 values boxed into interfaces
	memChunk  []member
	valChunk  []any
	objChunk  []Object
	small     bool // the caller keeps little of the input (ParseKeep)
}

// eface is the layout of an interface{} value.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// The type words of interface{} values holding a string, an int64 and a
// float64. They are set once, at program start.
var (
	stringType  = typeWord("")
	int64Type   = typeWord(int64(0))
	float64Type = typeWord(float64(0))
)

func typeWord(v any) unsafe.Pointer {
	return (*eface)(unsafe.Pointer(&v)).typ
}

// chunkSize is how many values of about bytesPer bytes of input each the
// rest of the input may hold, plus pending values already parsed and still
// to be placed, within [lo, hi]. JSON text held in a string takes about a
// third more bytes per value: its quotes are escaped.
func (p *parser) chunkSize(bytesPer, pending, lo, hi int) int {
	if p.small {
		return lo
	}
	if p.nested {
		bytesPer += bytesPer / 3
	}
	return min(max(pending+(len(p.s)-p.pos)/bytesPer, lo), hi)
}

// boxString returns s as an interface value whose string header lives in a
// chunk (see boxIn).
func (p *parser) boxString(s string) any {
	if len(s) == 0 {
		return ""
	}
	return boxIn(p, &p.strChunk, stringType, s, 32, 4, 256)
}

// boxIn returns v as an interface value of type typ whose data lives in
// *chunk, instead of an allocation of its own as any(v) makes; a new chunk
// holds values of about bytesPer bytes of input each, within [lo, hi]. The
// value is never written again, as an interface's data must not be.
func boxIn[T any](p *parser, chunk *[]T, typ unsafe.Pointer, v T, bytesPer, lo, hi int) any {
	if len(*chunk) == 0 {
		*chunk = make([]T, p.chunkSize(bytesPer, 0, lo, hi))
	}
	c := *chunk
	c[0] = v
	var x any
	*(*eface)(unsafe.Pointer(&x)) = eface{typ, unsafe.Pointer(&c[0])}
	*chunk = c[1:]
	return x
}

// copyString returns a copy of s in a chunk: strings a parse keeps from a
// borrowed input, or unescapes, share allocations. A chunk's bytes are
// never written again once a string holds them.
func (p *parser) copyString(s string) string {
	if len(s) == 0 {
		return ""
	}
	if cap(p.byteChunk)-len(p.byteChunk) < len(s) {
		p.byteChunk = make([]byte, 0, max(len(s), p.chunkSize(8, 0, 64, 4096)))
	}
	start := len(p.byteChunk)
	p.byteChunk = append(p.byteChunk, s...)
	return unsafe.String(&p.byteChunk[start], len(s))
}

// boxInt and boxFloat return a number as an interface value whose eight
// bytes live in a chunk, as boxString does for strings. Values whose bits
// are below 256 are boxed by Go, which shares them without allocating.
func (p *parser) boxInt(n int64) any {
	if uint64(n) < 256 {
		return n
	}
	return p.boxWord(int64Type, uint64(n))
}

func (p *parser) boxFloat(f float64) any {
	if math.Float64bits(f) < 256 {
		return f
	}
	return p.boxWord(float64Type, math.Float64bits(f))
}

// boxWord boxes w, the eight bytes of a value of type typ.
func (p *parser) boxWord(typ unsafe.Pointer, w uint64) any {
	return boxIn(p, &p.numChunk, typ, w, 256, 4, 64)
}

// newObject returns an object with room for exactly n members.
func (p *parser) newObject(n int) *Object {
	if len(p.objChunk) == 0 {
		p.objChunk = make([]Object, p.chunkSize(256, p.depth+1, 2, 32))
	}
	o := &p.objChunk[0]
	p.objChunk = p.objChunk[1:]
	if n > 0 {
		if len(p.memChunk) < n {
			p.memChunk = make([]member, max(n, p.chunkSize(24, len(p.mems), 8, 512)))
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
		p.valChunk = make([]any, max(n, p.chunkSize(64, len(p.vals), 4, 256)))
	}
	a := p.valChunk[:n:n]
	p.valChunk = p.valChunk[n:]
	return a
}
