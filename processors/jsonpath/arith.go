package jsonpath

import (
	"math"
	"math/big"
	"strings"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// arith applies a Python binary operator (operator.add, sub, mul, truediv)
// to two JSON values. A *pyErr of kind TypeError means Python raised
// TypeError, which Operation swallows; other errors propagate.
//
// One deliberate divergence: s - s, subtracting a string from an equal
// string, is the empty string (the identity of +) instead of a TypeError.
// Any other str - str is still a TypeError. See reassociate for why.
func arith(op byte, a, b any) (any, error) {
	an, aNum := toNumber(a)
	bn, bNum := toNumber(b)
	if aNum && bNum {
		return numArith(op, an, bn)
	}
	switch op {
	case '+':
		switch a := a.(type) {
		case string:
			if b, ok := b.(string); ok {
				if len(a)+len(b) > MaxResultSize {
					return nil, errTooLarge
				}
				return a + b, nil
			}
		case []any:
			if b, ok := b.([]any); ok {
				if len(a)+len(b) > MaxResultSize {
					return nil, errTooLarge
				}
				return append(append(make([]any, 0, len(a)+len(b)), a...), b...), nil
			}
		}
	case '-':
		if a, ok := a.(string); ok {
			if b, ok := b.(string); ok && a == b {
				return "", nil
			}
		}
	case '*':
		if bNum && bn.isInt() {
			if v, ok, err := repeat(a, bn); ok || err != nil {
				return v, err
			}
		}
		if aNum && an.isInt() {
			if v, ok, err := repeat(b, an); ok || err != nil {
				return v, err
			}
		}
	}
	return nil, typeError("unsupported operand type(s) for %c: '%s' and '%s'", op, py.TypeName(a), py.TypeName(b))
}

var errTooLarge = &pyErr{"LimitExceeded", "result larger than MaxResultSize"}

// repeat is sequence * int.
func repeat(seq any, count number) (any, bool, error) {
	switch seq.(type) {
	case string, []any:
	default:
		return nil, false, nil
	}
	if count.big != nil {
		if count.big.Sign() < 0 {
			count = number{kind: numInt}
		} else {
			return nil, true, &pyErr{"OverflowError", "cannot fit 'int' into an index-sized integer"}
		}
	}
	n := count.i
	if n < 0 {
		n = 0
	}
	switch s := seq.(type) {
	case string:
		if n > 0 && int64(len(s)) > MaxResultSize/n {
			return nil, true, errTooLarge
		}
		return strings.Repeat(s, int(n)), true, nil
	case []any:
		if n > 0 && int64(len(s)) > MaxResultSize/n {
			return nil, true, errTooLarge
		}
		out := make([]any, 0, int(n)*len(s))
		for range n {
			out = append(out, s...)
		}
		return out, true, nil
	}
	return nil, false, nil
}

const (
	numInt = iota
	numFloat
)

// number is a Python int (bool included) or float.
type number struct {
	kind int
	i    int64
	big  *big.Int // ints outside int64
	f    float64
}

func (n number) isInt() bool { return n.kind == numInt }

func toNumber(v any) (number, bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return number{i: 1}, true
		}
		return number{}, true
	case int64:
		return number{i: v}, true
	case *big.Int:
		if v.IsInt64() {
			return number{i: v.Int64()}, true
		}
		return number{big: v}, true
	case float64:
		return number{kind: numFloat, f: v}, true
	}
	return number{}, false
}

func (n number) bigInt() *big.Int {
	if n.big != nil {
		return n.big
	}
	return big.NewInt(n.i)
}

// float converts to float as Python does: exactly rounded, OverflowError
// when the int is too large.
func (n number) float() (float64, error) {
	switch {
	case n.kind == numFloat:
		return n.f, nil
	case n.big == nil:
		return float64(n.i), nil
	}
	f, _ := new(big.Float).SetInt(n.big).Float64()
	if math.IsInf(f, 0) {
		return 0, &pyErr{"OverflowError", "int too large to convert to float"}
	}
	return f, nil
}

func intResult(b *big.Int) any {
	if b.IsInt64() {
		return b.Int64()
	}
	return b
}

func numArith(op byte, a, b number) (any, error) {
	if a.isInt() && b.isInt() {
		switch op {
		case '+', '-', '*':
			if a.big == nil && b.big == nil {
				switch op {
				case '+':
					if r := a.i + b.i; (r > a.i) == (b.i > 0) {
						return r, nil
					}
				case '-':
					if r := a.i - b.i; (r < a.i) == (b.i > 0) {
						return r, nil
					}
				case '*':
					if a.i == 0 || b.i == 0 {
						return int64(0), nil
					}
					if r := a.i * b.i; r/b.i == a.i && !(a.i == -1 && b.i == math.MinInt64) && !(b.i == -1 && a.i == math.MinInt64) {
						return r, nil
					}
				}
			}
			r := new(big.Int)
			switch op {
			case '+':
				r.Add(a.bigInt(), b.bigInt())
			case '-':
				r.Sub(a.bigInt(), b.bigInt())
			case '*':
				r.Mul(a.bigInt(), b.bigInt())
			}
			return intResult(r), nil
		case '/':
			if b.big == nil && b.i == 0 {
				return nil, &pyErr{"ZeroDivisionError", "division by zero"}
			}
			f, _ := new(big.Rat).SetFrac(a.bigInt(), b.bigInt()).Float64()
			if math.IsInf(f, 0) {
				return nil, &pyErr{"OverflowError", "integer division result too large for a float"}
			}
			return f, nil
		}
	}
	x, err := a.float()
	if err != nil {
		return nil, err
	}
	y, err := b.float()
	if err != nil {
		return nil, err
	}
	switch op {
	case '+':
		return x + y, nil
	case '-':
		return x - y, nil
	case '*':
		return x * y, nil
	}
	if y == 0 {
		return nil, &pyErr{"ZeroDivisionError", "float division by zero"}
	}
	return x / y, nil
}

// pyCompare evaluates a < b, a <= b, a > b or a >= b as Python does:
// numbers by value, strings by code point, lists lexicographically; any
// other pairing raises TypeError.
func pyCompare(op string, a, b any) (bool, error) {
	if c, ok := jsonv.Compare(a, b); ok {
		return cmpResult(op, c), nil
	}
	if _, an := toNumber(a); an {
		if _, bn := toNumber(b); bn { // NaN: every comparison is false
			return false, nil
		}
	}
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			return cmpResult(op, strings.Compare(a, b)), nil
		}
	case []any:
		if b, ok := b.([]any); ok {
			for i := 0; i < len(a) && i < len(b); i++ {
				if !jsonv.Equal(a[i], b[i]) {
					return pyCompare(op, a[i], b[i])
				}
			}
			return cmpResult(op, len(a)-len(b)), nil
		}
	}
	return false, typeError("'%s' not supported between instances of '%s' and '%s'", op, py.TypeName(a), py.TypeName(b))
}

func cmpResult(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}
