package jsonpath

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"meterflow/processors/jsonv"
)

// Path is a compiled jsonpath-rw-ext expression. It is immutable and safe
// for concurrent use.
type Path struct {
	expr string
	root node
	// chains is set when the expression is a plain chain of single field
	// names ($.a.b, a.b) or a union of them ((a.b)|(c.d)): evaluation then
	// walks objects directly, without an evaluator.
	chains [][]jsonv.Key
}

// Match is one match with its path: the '.'-joined str() of each path step
// from the root, as ceilometer.declarative.Definition._get_path builds it
// for trait plugins ("payload.metrics.[0].value"). Matches computed by
// arithmetic, `len`, `sorted`, `sub` and `split` start a new root, so their
// path is "".
type Match struct {
	Value any
	Path  string
}

// Compile parses expr as jsonpath_rw_ext.parser.parse does. Errors are
// *SyntaxError.
func Compile(expr string) (*Path, error) {
	n, err := parse(expr)
	if err != nil {
		return nil, err
	}
	return &Path{expr: expr, root: n, chains: plainChains(n)}, nil
}

// MustCompile is Compile for expressions known to be valid; it panics on
// error.
func MustCompile(expr string) *Path {
	p, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the expression as written.
func (p *Path) String() string { return p.expr }

// plainChains returns the chains of a union of plain field chains, in the
// order the union yields their matches, or nil.
func plainChains(n node) [][]jsonv.Key {
	if u, ok := n.(*unionNode); ok {
		l, r := plainChains(u.left), plainChains(u.right)
		if l == nil || r == nil {
			return nil
		}
		return append(l, r...)
	}
	f := plainFields(n)
	if f == nil {
		return nil
	}
	chain := make([]jsonv.Key, len(f))
	for i, name := range f {
		chain[i] = jsonv.NewKey(name)
	}
	return [][]jsonv.Key{chain}
}

func plainFields(n node) []string {
	switch n := n.(type) {
	case rootNode:
		return []string{}
	case *fieldsNode:
		if len(n.names) == 1 && !n.star {
			return []string{n.names[0]}
		}
	case *childNode:
		r, ok := n.right.(*fieldsNode)
		if !ok || len(r.names) != 1 || r.star {
			return nil
		}
		if l := plainFields(n.left); l != nil {
			return append(l, r.names[0])
		}
	}
	return nil
}

// walk returns the value a plain chain of field names finds in root.
func walkChain(chain []jsonv.Key, root any) (any, bool) {
	v := root
	for _, k := range chain {
		o, ok := v.(*jsonv.Object)
		if !ok {
			return nil, false
		}
		if v, ok = o.GetKey(k); !ok {
			return nil, false
		}
	}
	return v, true
}

// Find returns the values matched in root, in jsonpath-rw-ext's order.
// It returns nil when nothing matches or when evaluation fails; use Eval
// to tell the two apart.
func (p *Path) Find(root any) []any {
	v, _ := p.Eval(root)
	return v
}

// FindFirst returns the first match that is not JSON null: the value
// Ceilometer's Definition.parse takes from a definition without a plugin.
// For a plain field path it allocates nothing.
func (p *Path) FindFirst(root any) (any, bool) {
	v, ok, _ := p.EvalFirst(root)
	return v, ok
}

// EvalFirst is FindFirst with Eval's error: the first match that is not
// JSON null (ok false when there is none), or the *EvalError Eval would
// return. It builds no list of matches, and for plain field paths and
// unions of them it allocates nothing.
func (p *Path) EvalFirst(root any) (v any, ok bool, err error) {
	if p.chains != nil {
		for _, c := range p.chains {
			if v, ok := walkChain(c, root); ok && v != nil {
				return v, true, nil
			}
		}
		return nil, false, nil
	}
	err = p.eval(root, func(e *evaluator, idx []int32) {
		for _, d := range idx {
			if x := e.arena[d].val; x != nil {
				v, ok = x, true
				return
			}
		}
	})
	if err != nil {
		return nil, false, err
	}
	return v, ok, nil
}

// FindMatches returns the matches with their paths; see Match. It returns
// nil when nothing matches or when evaluation fails.
func (p *Path) FindMatches(root any) []Match {
	m, _ := p.EvalMatches(root)
	return m
}

// Eval returns the values matched in root, or an *EvalError where
// jsonpath-rw-ext's find() raises an exception (Ceilometer then fails the
// whole notification) or a meterflow limit is exceeded.
func (p *Path) Eval(root any) ([]any, error) {
	return p.AppendEval(nil, root)
}

// AppendEval is Eval appending the values to dst, so that a caller can
// reuse one slice across evaluations. On error it returns dst unchanged.
func (p *Path) AppendEval(dst []any, root any) ([]any, error) {
	if p.chains != nil {
		for _, c := range p.chains {
			if v, ok := walkChain(c, root); ok {
				dst = append(dst, v)
			}
		}
		return dst, nil
	}
	out := dst
	err := p.eval(root, func(e *evaluator, idx []int32) {
		out = slices.Grow(out, len(idx))
		for _, d := range idx {
			out = append(out, e.arena[d].val)
		}
	})
	if err != nil {
		return dst, err
	}
	return out, nil
}

// MaxPathSteps bounds the steps of all the paths one EvalMatches builds
// together: their total length grows with the number of matches times
// their depth, so `..` over a deep and wide payload could otherwise build
// gigabytes of paths from a megabyte. Python has no such bound.
// Default: 1,048,576.
const MaxPathSteps = 1 << 20

// EvalMatches is Eval with paths; see Match.
func (p *Path) EvalMatches(root any) ([]Match, error) {
	var out []Match
	tooLong := false
	err := p.eval(root, func(e *evaluator, idx []int32) {
		if tooLong = e.pathSteps(idx, MaxPathSteps) > MaxPathSteps; tooLong || len(idx) == 0 {
			return
		}
		out = make([]Match, len(idx))
		for i, d := range idx {
			out[i] = Match{Value: e.arena[d].val, Path: e.path(d)}
		}
	})
	if err == nil && tooLong {
		err = &EvalError{Expr: p.expr, Kind: "LimitExceeded", Msg: "the paths of the matches have more than MaxPathSteps steps"}
	}
	return out, err
}

// pathSteps counts the steps of the paths of idx, stopping past limit.
func (e *evaluator) pathSteps(idx []int32, limit int) int {
	n := 0
	for _, d := range idx {
		for ; e.arena[d].up >= 0 && n <= limit; d = e.arena[d].up {
			n++
		}
	}
	return n
}

var evaluators = sync.Pool{New: func() any {
	return &evaluator{arena: make([]datum, 0, 64), stack: make([]int32, 0, 64)}
}}

func (p *Path) eval(root any, collect func(*evaluator, []int32)) error {
	e := evaluators.Get().(*evaluator)
	defer func() {
		clear(e.arena)
		e.arena, e.stack, e.regexSpent = e.arena[:0], e.stack[:0], 0
		if cap(e.arena) <= 4096 {
			evaluators.Put(e)
		}
	}()
	e.arena = append(e.arena, datum{val: root, up: -1, unwrapped: true})
	err := p.root.find(e, 0)
	if err == errBare {
		err = iterate(err)
	}
	if err == nil {
		for _, d := range e.stack {
			if e.arena[d].isNone {
				err = &pyErr{"AttributeError", "'NoneType' object has no attribute 'value'"}
				break
			}
		}
	}
	if err != nil {
		kind, msg := "Error", err.Error()
		if pe, ok := err.(*pyErr); ok {
			kind, msg = pe.kind, pe.msg
		}
		return &EvalError{Expr: p.expr, Kind: kind, Msg: msg}
	}
	collect(e, e.stack)
	return nil
}

// path joins the path steps of every datum in d's context chain below the
// root, as Definition._get_path does.
func (e *evaluator) path(d int32) string {
	var steps []string
	for ; e.arena[d].up >= 0; d = e.arena[d].up {
		x := &e.arena[d]
		var s string
		switch x.kind {
		case pathThis:
			s = "`this`"
		case pathRoot:
			s = "$"
		case pathField:
			s = x.name
		case pathIndex:
			s = "[" + strconv.FormatInt(x.idx, 10) + "]"
		case pathLen:
			s = "`len`"
		}
		steps = append(steps, s)
	}
	for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
		steps[i], steps[j] = steps[j], steps[i]
	}
	return strings.Join(steps, ".")
}
