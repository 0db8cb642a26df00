package jsonpath

import (
	"errors"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// Limits on the work one evaluation may do. jsonpath-rw-ext has none; these
// turn payload-controlled blow-ups into errors.
const (
	// MaxMatches bounds the intermediate matches (jsonpath-rw's
	// DatumInContext objects) one evaluation creates. Default: 1,000,000.
	MaxMatches = 1 << 20
	// MaxDescendDepth bounds how deep `..` descends. Python raises
	// RecursionError a little deeper than this (about 490 levels under the
	// default recursion limit); the exact figure depends on its stack.
	MaxDescendDepth = 450
	// MaxResultSize bounds the length of a string or list built by `*`
	// repetition or `+` concatenation, which Python builds however large.
	// Default: 16 MiB (bytes or elements).
	MaxResultSize = 16 << 20
)

// Path kinds, the str() of a DatumInContext's path.
const (
	pathThis  = iota // `this`
	pathRoot         // $
	pathField        // the field name
	pathIndex        // [i]
	pathLen          // `len`
)

// datum is jsonpath-rw's DatumInContext: a value, the path step that led to
// it and the datum it was found in (an index into the evaluator's arena).
type datum struct {
	val  any
	up   int32 // context, -1 for none
	kind uint8
	// unwrapped marks the argument of the top-level find() (a bare value,
	// not a DatumInContext) and the None that `parent` returns at a root;
	// isNone marks the latter.
	unwrapped bool
	isNone    bool
	idx       int64
	name      string
}

// evaluator holds one evaluation's matches. Results of a node's find are
// appended to stack as arena indexes; callers read them from the length the
// stack had before the call.
type evaluator struct {
	arena []datum
	stack []int32
	bare  int32 // the datum a bareResult refers to
	// regexSpent is the time regular expressions took so far; see
	// RegexBudget.
	regexSpent time.Duration
}

// errBare signals that a node returned a lone DatumInContext instead of a
// list, as `sorted` does for scalars: callers that iterate it fail, callers
// that only test its truth accept it. e.bare holds the datum.
var errBare = errors.New("bare datum")

var errTooMany = &pyErr{"LimitExceeded", "more than MaxMatches intermediate matches"}

func (e *evaluator) add(d datum) (int32, error) {
	if len(e.arena) >= MaxMatches {
		return 0, errTooMany
	}
	e.arena = append(e.arena, d)
	return int32(len(e.arena) - 1), nil
}

func (e *evaluator) push(d datum) error {
	i, err := e.add(d)
	if err != nil {
		return err
	}
	e.stack = append(e.stack, i)
	return nil
}

// wrapped returns DatumInContext.wrap(d): the unwrapped top-level value and
// the None from `parent` become a plain datum without context.
func (e *evaluator) wrapped(d int32) (int32, error) {
	if x := e.arena[d]; x.unwrapped {
		return e.add(datum{val: x.val, up: -1})
	}
	return d, nil
}

// node is one jsonpath-rw JSONPath object. find appends the matches for
// datum d to e.stack, or returns errBare or an evaluation error.
type node interface {
	find(e *evaluator, d int32) error
}

func iterate(err error) error {
	if err == errBare {
		return typeError("'DatumInContext' object is not iterable")
	}
	return err
}

type rootNode struct{}

func (rootNode) find(e *evaluator, d int32) error {
	for e.arena[d].up >= 0 {
		d = e.arena[d].up
	}
	return e.push(datum{val: e.arena[d].val, up: -1, kind: pathRoot})
}

type thisNode struct{}

func (thisNode) find(e *evaluator, d int32) error {
	d, err := e.wrapped(d)
	if err == nil {
		e.stack = append(e.stack, d)
	}
	return err
}

type parentNode struct{}

func (parentNode) find(e *evaluator, d int32) error {
	x := e.arena[d]
	if x.unwrapped || x.up < 0 {
		// DatumInContext.wrap(datum).context is None: the match is None.
		return e.push(datum{up: -1, unwrapped: true, isNone: true})
	}
	up, err := e.wrapped(x.up)
	if err == nil {
		e.stack = append(e.stack, up)
	}
	return err
}

type childNode struct{ left, right node }

func (n *childNode) find(e *evaluator, d int32) error {
	s := len(e.stack)
	if err := n.left.find(e, d); err != nil {
		return iterate(err)
	}
	m := len(e.stack)
	for i := s; i < m; i++ {
		if err := n.right.find(e, e.stack[i]); err != nil {
			return iterate(err)
		}
	}
	e.stack = append(e.stack[:s], e.stack[m:]...)
	return nil
}

type whereNode struct{ left, right node }

func (n *whereNode) find(e *evaluator, d int32) error {
	s := len(e.stack)
	if err := n.left.find(e, d); err != nil {
		return iterate(err)
	}
	m := len(e.stack)
	kept := s
	for i := s; i < m; i++ {
		sub := e.stack[i]
		err := n.right.find(e, sub)
		found := len(e.stack) > m || err == errBare
		if err != nil && err != errBare {
			return err
		}
		e.stack = e.stack[:m]
		if found {
			e.stack[kept] = sub
			kept++
		}
	}
	e.stack = e.stack[:kept]
	return nil
}

type unionNode struct{ left, right node }

func (n *unionNode) find(e *evaluator, d int32) error {
	if err := n.left.find(e, d); err != nil {
		return iterate(err)
	}
	return iterate(n.right.find(e, d))
}

type intersectNode struct{}

func (intersectNode) find(*evaluator, int32) error {
	return &pyErr{"NotImplementedError", "jsonpath-rw does not implement '&' between paths"}
}

type descendantsNode struct{ left, right node }

func (n *descendantsNode) find(e *evaluator, d int32) error {
	s := len(e.stack)
	err := n.left.find(e, d)
	if err == errBare { // left_matches = [left_matches]
		e.stack = append(e.stack, e.bare)
	} else if err != nil {
		return err
	}
	m := len(e.stack)
	for i := s; i < m; i++ {
		if err := n.recurse(e, e.stack[i], 0); err != nil {
			return err
		}
	}
	e.stack = append(e.stack[:s], e.stack[m:]...)
	return nil
}

func (n *descendantsNode) recurse(e *evaluator, d int32, depth int) error {
	if depth > MaxDescendDepth {
		return &pyErr{"RecursionError", "maximum recursion depth exceeded"}
	}
	if err := n.right.find(e, d); err != nil {
		return iterate(err)
	}
	switch v := e.arena[d].val.(type) {
	case []any:
		for i, x := range v {
			c, err := e.add(datum{val: x, up: d, kind: pathIndex, idx: int64(i)})
			if err != nil {
				return err
			}
			if err := n.recurse(e, c, depth+1); err != nil {
				return err
			}
		}
	case *jsonv.Object:
		for i := 0; i < v.Len(); i++ {
			k, x := v.At(i)
			c, err := e.add(datum{val: x, up: d, kind: pathField, name: k})
			if err != nil {
				return err
			}
			if err := n.recurse(e, c, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldsNode is Fields: one or more names, or "*" for every key.
type fieldsNode struct {
	names []string
	star  bool
}

func newFields(names []string) *fieldsNode {
	n := &fieldsNode{names: names}
	for _, s := range names {
		if s == "*" {
			n.star = true
		}
	}
	return n
}

func (n *fieldsNode) find(e *evaluator, d int32) error {
	obj, ok := e.arena[d].val.(*jsonv.Object)
	if !ok {
		return nil // TypeError and AttributeError are caught: no match
	}
	if n.star {
		for i := 0; i < obj.Len(); i++ {
			k, v := obj.At(i)
			if err := e.push(datum{val: v, up: d, kind: pathField, name: k}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range n.names {
		if v, ok := obj.Get(k); ok {
			if err := e.push(datum{val: v, up: d, kind: pathField, name: k}); err != nil {
				return err
			}
		}
	}
	return nil
}

// indexNode is Index: [n] on a list or a string; n may be negative.
type indexNode struct{ index any } // int64 or *big.Int

func (n indexNode) find(e *evaluator, d int32) error {
	v := e.arena[d].val
	length, ok := pyLen(v)
	if !ok {
		return typeError("object of type '%s' has no len()", py.TypeName(v))
	}
	i, small := n.index.(int64)
	if !small {
		if n.index.(*big.Int).Sign() > 0 {
			return nil
		}
		return indexError(v)
	}
	if int64(length) <= i {
		return nil
	}
	pos := i
	if pos < 0 {
		pos += int64(length)
		if pos < 0 {
			return indexError(v)
		}
	}
	var x any
	switch v := v.(type) {
	case []any:
		x = v[pos]
	case string:
		x = runeAt(v, int(pos))
	default: // a dict indexed by an int: KeyError
		return &pyErr{"KeyError", strconv.FormatInt(i, 10)}
	}
	return e.push(datum{val: x, up: d, kind: pathIndex, idx: i})
}

func indexError(v any) error {
	if _, ok := v.(*jsonv.Object); ok {
		return &pyErr{"KeyError", "negative index into a dict"}
	}
	return &pyErr{"IndexError", "index out of range"}
}

func runeAt(s string, i int) string {
	for off := range s {
		if i == 0 {
			_, n := utf8.DecodeRuneInString(s[off:])
			return s[off : off+n]
		}
		i--
	}
	return ""
}

// sliceNode is Slice: [*] or [start:end]. A dict, an int or a string is
// treated as a one-element list holding it, as jsonpath-rw does.
type sliceNode struct {
	all        bool
	start, end *int64
}

func (n *sliceNode) find(e *evaluator, d int32) error {
	x := e.arena[d]
	var list []any
	switch v := x.val.(type) {
	case []any:
		list = v
	case *jsonv.Object, bool, int64, *big.Int, string:
		w := x
		w.val, w.unwrapped, w.isNone = []any{v}, false, false
		var err error
		if d, err = e.add(w); err != nil {
			return err
		}
		list = w.val.([]any)
	default:
		return typeError("object of type '%s' has no len()", py.TypeName(v))
	}
	lo, hi := 0, len(list)
	if !n.all {
		lo, hi = pySliceBounds(n.start, n.end, len(list))
	}
	for i := lo; i < hi; i++ {
		if err := e.push(datum{val: list[i], up: d, kind: pathIndex, idx: int64(i)}); err != nil {
			return err
		}
	}
	return nil
}

// pySliceBounds applies Python's slice rules for seq[start:end].
func pySliceBounds(start, end *int64, n int) (int, int) {
	clamp := func(p *int64, def int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += int64(n)
			if v < 0 {
				v = 0
			}
		}
		if v > int64(n) {
			v = int64(n)
		}
		return int(v)
	}
	lo, hi := clamp(start, 0), clamp(end, n)
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

type lenNode struct{}

func (lenNode) find(e *evaluator, d int32) error {
	n, ok := pyLen(e.arena[d].val)
	if !ok {
		return nil // TypeError is caught
	}
	return e.push(datum{val: int64(n), up: -1, kind: pathLen})
}

// pyLen is Python's len() for the JSON types that have one.
func pyLen(v any) (int, bool) {
	switch v := v.(type) {
	case string:
		return utf8.RuneCountInString(v), true
	case []any:
		return len(v), true
	case *jsonv.Object:
		return v.Len(), true
	}
	return 0, false
}

// filterNode is `[?expr & expr]`: the elements of a list for which every
// expression matches. Each element is evaluated as a new root: `$` inside a
// filter is the element.
type filterNode struct{ exprs []*expression }

func (n *filterNode) find(e *evaluator, d int32) error {
	list, ok := e.arena[d].val.([]any)
	if !ok {
		return nil
	}
	for i, x := range list {
		matched := 0
		for _, ex := range n.exprs {
			ok, err := ex.match(e, x)
			if err != nil {
				return err
			}
			if ok {
				matched++
			}
		}
		if matched == len(n.exprs) {
			if err := e.push(datum{val: x, up: d, kind: pathIndex, idx: int64(i)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// opNode is _arithmetic.Operation. left and right are nodes or literals
// (string, int64, *big.Int, float64).
type opNode struct {
	left, right any
	op          byte
	paren       bool // written in parentheses: never reassociated
}

func (n *opNode) find(e *evaluator, d int32) error {
	ln, lPath := n.left.(node)
	rn, rPath := n.right.(node)
	s := len(e.stack)
	var results []any
	switch {
	case lPath && rPath:
		lerr := ln.find(e, d)
		if lerr != nil && lerr != errBare {
			return lerr
		}
		m := len(e.stack)
		rerr := rn.find(e, d)
		if rerr != nil && rerr != errBare {
			return rerr
		}
		nl, nr := m-s, len(e.stack)-m
		if lerr == errBare {
			nl = -1 // truthy, but has no len()
		}
		if rerr == errBare {
			nr = -1
		}
		// if left and right and len(left) == len(right)
		if nl == 0 || nr == 0 {
			e.stack = e.stack[:s]
			return nil
		}
		if nl < 0 || nr < 0 {
			return typeError("object of type 'DatumInContext' has no len()")
		}
		if nl != nr {
			e.stack = e.stack[:s]
			return nil
		}
		results = make([]any, 0, nl)
		for i := 0; i < nl; i++ {
			l, r := e.arena[e.stack[s+i]], e.arena[e.stack[m+i]]
			if l.isNone || r.isNone {
				return &pyErr{"AttributeError", "'NoneType' object has no attribute 'value'"}
			}
			v, err := arith(n.op, l.val, r.val)
			if isTypeError(err) {
				e.stack = e.stack[:s]
				return nil
			} else if err != nil {
				return err
			}
			results = append(results, v)
		}
	case lPath || rPath:
		p := ln
		if rPath {
			p = rn
		}
		if err := p.find(e, d); err != nil {
			return iterate(err)
		}
		results = make([]any, 0, len(e.stack)-s)
		for _, i := range e.stack[s:] {
			x := e.arena[i]
			if x.isNone {
				return &pyErr{"AttributeError", "'NoneType' object has no attribute 'value'"}
			}
			var v any
			var err error
			if lPath {
				v, err = arith(n.op, x.val, n.right)
			} else {
				v, err = arith(n.op, n.left, x.val)
			}
			if isTypeError(err) {
				e.stack = e.stack[:s]
				return nil
			} else if err != nil {
				return err
			}
			results = append(results, v)
		}
	default:
		v, err := arith(n.op, n.left, n.right)
		if isTypeError(err) {
			return nil
		} else if err != nil {
			return err
		}
		results = []any{v}
	}
	e.stack = e.stack[:s]
	for _, v := range results {
		if err := e.push(datum{val: v, up: -1}); err != nil {
			return err
		}
	}
	return nil
}
