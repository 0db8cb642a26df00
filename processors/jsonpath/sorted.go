package jsonpath

import (
	"sort"

	"meterflow/processors/jsonv"
)

// sortKey is one `/field` (ascending) or `\field` (descending) of a
// `[/a, \b]` sort.
type sortKey struct {
	path    node
	reverse bool
}

// sortedNode is _iterable.SortedThis: `sorted` (natural order) or
// `[/field, \field]`. A list sorts its elements, a dict its keys; the
// result is one match holding the sorted list. On anything else, and on a
// dict sorted by fields, it returns its datum unlisted, which most callers
// cannot iterate.
type sortedNode struct{ keys []sortKey }

func (n *sortedNode) find(e *evaluator, d int32) error {
	x := e.arena[d]
	if x.unwrapped { // SortedThis reads datum.value without wrapping
		return &pyErr{"AttributeError", "object has no attribute 'value'"}
	}
	var items []any
	switch v := x.val.(type) {
	case []any:
		items = append([]any(nil), v...)
	case *jsonv.Object:
		if n.keys != nil {
			e.bare = d
			return errBare
		}
		items = make([]any, v.Len())
		for i := range items {
			items[i], _ = v.At(i)
		}
	default:
		e.bare = d
		return errBare
	}
	less := func(a, b any) (bool, error) { return pyCompare("<", a, b) }
	if n.keys != nil {
		less = func(a, b any) (bool, error) {
			c, err := n.compare(e, a, b)
			return c < 0, err
		}
	}
	if err := pySort(items, less); err != nil {
		return err
	}
	return e.push(datum{val: items, up: -1})
}

// compare is SortedThis._compare.
func (n *sortedNode) compare(e *evaluator, a, b any) (int, error) {
	for _, k := range n.keys {
		l, err := n.single(e, k.path, a)
		if err != nil {
			return 0, err
		}
		r, err := n.single(e, k.path, b)
		if err != nil {
			return 0, err
		}
		// not l or not r or len(l) > 1 or len(r) > 1 or l.value == r.value
		if l.n == 0 || r.n == 0 {
			continue
		}
		if l.n < 0 || r.n < 0 {
			return 0, typeError("object of type 'DatumInContext' has no len()")
		}
		if l.n > 1 || r.n > 1 {
			continue
		}
		if l.isNone || r.isNone {
			return 0, &pyErr{"AttributeError", "'NoneType' object has no attribute 'value'"}
		}
		if jsonv.Equal(l.val, r.val) {
			continue
		}
		lt, err := pyCompare("<", l.val, r.val)
		if err != nil {
			return 0, err
		}
		if lt == k.reverse {
			return 1, nil
		}
		return -1, nil
	}
	return 0, nil
}

type sortValue struct {
	n      int // number of matches, -1 for a bare datum
	val    any
	isNone bool
}

func (n *sortedNode) single(e *evaluator, p node, v any) (sortValue, error) {
	d, err := e.add(datum{val: v, up: -1})
	if err != nil {
		return sortValue{}, err
	}
	s := len(e.stack)
	defer func() { e.stack = e.stack[:s] }()
	switch err := p.find(e, d); err {
	case nil:
	case errBare:
		return sortValue{n: -1}, nil
	default:
		return sortValue{}, err
	}
	sv := sortValue{n: len(e.stack) - s}
	if sv.n > 0 {
		first := e.arena[e.stack[s]]
		sv.val, sv.isNone = first.val, first.isNone
	}
	return sv, nil
}

// pySort sorts as CPython 3.11's list.sort does. Below 64 elements that is
// a binary insertion sort after the initial run, ported exactly, so even
// inconsistent orderings (sort keys missing from some elements) come out
// as in Python. Longer lists use a stable merge sort, which agrees with
// Python whenever the ordering is consistent.
func pySort(a []any, less func(a, b any) (bool, error)) error {
	n := len(a)
	if n < 2 {
		return nil
	}
	if n >= 64 {
		var err error
		sort.SliceStable(a, func(i, j int) bool {
			if err != nil {
				return false
			}
			lt, e := less(a[i], a[j])
			if e != nil {
				err = e
			}
			return lt
		})
		return err
	}
	// count_run
	run := 2
	lt, err := less(a[1], a[0])
	if err != nil {
		return err
	}
	if lt {
		for ; run < n; run++ {
			if lt, err = less(a[run], a[run-1]); err != nil {
				return err
			} else if !lt {
				break
			}
		}
		for i, j := 0, run-1; i < j; i, j = i+1, j-1 {
			a[i], a[j] = a[j], a[i]
		}
	} else {
		for ; run < n; run++ {
			if lt, err = less(a[run], a[run-1]); err != nil {
				return err
			} else if lt {
				break
			}
		}
	}
	// binarysort(lo, hi, start=run)
	for start := run; start < n; start++ {
		pivot := a[start]
		l, r := 0, start
		for l < r {
			p := l + (r-l)>>1
			lt, err := less(pivot, a[p])
			if err != nil {
				return err
			}
			if lt {
				r = p
			} else {
				l = p + 1
			}
		}
		copy(a[l+1:start+1], a[l:start])
		a[l] = pivot
	}
	return nil
}
