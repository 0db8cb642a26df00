package jsonv

import (
	"math"
	"math/big"
)

// Equal reports whether a == b in Python: numbers compare by value across
// bool, int and float (True == 1 == 1.0, NaN equals nothing), lists
// element-wise and dicts by their key sets and values, whatever the order.
func Equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !Equal(a[i], bl[i]) {
				return false
			}
		}
		return true
	case *Object:
		bo, ok := b.(*Object)
		if !ok || a.Len() != bo.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			k, v := a.At(i)
			w, ok := bo.Get(k)
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return numEqual(a, b)
}

// num is a Python number: an integer (bool included) or a float.
type num struct {
	isInt bool
	i     int64
	big   *big.Int // set for integers outside int64
	f     float64
}

func toNum(v any) (num, bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return num{isInt: true, i: 1}, true
		}
		return num{isInt: true}, true
	case int64:
		return num{isInt: true, i: v}, true
	case int:
		return num{isInt: true, i: int64(v)}, true
	case *big.Int:
		if v.IsInt64() {
			return num{isInt: true, i: v.Int64()}, true
		}
		return num{isInt: true, big: v}, true
	case float64:
		return num{f: v}, true
	}
	return num{}, false
}

func numEqual(a, b any) bool {
	x, ok := toNum(a)
	if !ok {
		return false
	}
	y, ok := toNum(b)
	if !ok {
		return false
	}
	return cmpNum(x, y) == 0
}

// cmpNum compares exactly, as Python compares int and float; it returns 2
// when either side is NaN.
func cmpNum(x, y num) int {
	if !x.isInt && math.IsNaN(x.f) || !y.isInt && math.IsNaN(y.f) {
		return 2
	}
	if x.isInt && y.isInt && x.big == nil && y.big == nil {
		switch {
		case x.i < y.i:
			return -1
		case x.i > y.i:
			return 1
		}
		return 0
	}
	if !x.isInt && !y.isInt {
		switch {
		case x.f < y.f:
			return -1
		case x.f > y.f:
			return 1
		}
		return 0
	}
	return x.bigFloat().Cmp(y.bigFloat())
}

func (n num) bigFloat() *big.Float {
	switch {
	case !n.isInt:
		if math.IsInf(n.f, 0) {
			return new(big.Float).SetInf(n.f < 0)
		}
		return new(big.Float).SetFloat64(n.f)
	case n.big != nil:
		return new(big.Float).SetInt(n.big)
	}
	return new(big.Float).SetInt64(n.i)
}

// Compare orders two numbers as Python's < does: it returns -1, 0 or +1, and
// ok is false when either value is not a number (bool counts as one) or is
// NaN, where every Python comparison is False.
func Compare(a, b any) (c int, ok bool) {
	x, ok := toNum(a)
	if !ok {
		return 0, false
	}
	y, ok := toNum(b)
	if !ok {
		return 0, false
	}
	c = cmpNum(x, y)
	return c, c != 2
}

// Clone returns a deep copy of v.
func Clone(v any) any {
	switch v := v.(type) {
	case *big.Int:
		return new(big.Int).Set(v)
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = Clone(e)
		}
		return c
	case *Object:
		if v == nil {
			return v
		}
		c := &Object{members: make([]member, len(v.members))}
		for i, m := range v.members {
			c.members[i] = member{m.key, Clone(m.val)}
		}
		if v.index != nil {
			c.buildIndex()
		}
		return c
	}
	return v
}
