package jsonpath

import (
	"errors"
	"math/big"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// expression is _filter.Expression: `target`, or `target OP value` where
// value is an ID (string), FLOAT, NUMBER or BOOL token.
type expression struct {
	target node
	op     string // "" for a bare existence test
	value  any    // string, float64, int64, *big.Int or bool
	re     *pyRegexp
	reErr  error // raised when `~` is evaluated, as re.match would
}

func newExpression(target node, op string, v token) (*expression, error) {
	ex := &expression{target: target, op: op, value: v.num}
	if v.typ == tokId {
		ex.value = v.str
	}
	if op == "~" {
		if pat, ok := ex.value.(string); ok {
			ex.re, ex.reErr = compilePyRegexp(pat, true)
		} else {
			ex.reErr = typeError("first argument must be string or compiled pattern")
		}
	}
	return ex, nil
}

// match reports whether the expression finds anything in x, evaluated as a
// new root. Like Python it evaluates every candidate, so a comparison that
// raises fails the evaluation even after an earlier candidate matched.
func (ex *expression) match(e *evaluator, x any) (bool, error) {
	d, err := e.add(datum{val: x, up: -1})
	if err != nil {
		return false, err
	}
	s := len(e.stack)
	defer func() { e.stack = e.stack[:s] }()
	err = ex.target.find(e, d)
	if err == errBare {
		if ex.op == "" {
			return true, nil
		}
		return false, iterate(err)
	}
	if err != nil {
		return false, err
	}
	if len(e.stack) == s {
		return false, nil
	}
	if ex.op == "" {
		return true, nil
	}
	found := false
	for _, i := range e.stack[s:] {
		m := e.arena[i]
		if m.isNone {
			return false, &pyErr{"AttributeError", "'NoneType' object has no attribute 'value'"}
		}
		v := m.val
		if v == nil {
			continue
		}
		switch ex.value.(type) {
		case int64, *big.Int, bool: // isinstance(self.value, int)
			var ok bool
			if v, ok, err = pyInt(v); err != nil {
				return false, err
			} else if !ok {
				continue // ValueError
			}
		}
		ok, err := ex.compare(e, v)
		if err != nil {
			return false, err
		}
		found = found || ok
	}
	return found, nil
}

func (ex *expression) compare(e *evaluator, v any) (bool, error) {
	switch ex.op {
	case "=", "==":
		return jsonv.Equal(v, ex.value), nil
	case "!=":
		return !jsonv.Equal(v, ex.value), nil
	case "~":
		if ex.reErr != nil {
			return false, ex.reErr
		}
		s, ok := v.(string)
		if !ok {
			return false, typeError("expected string or bytes-like object")
		}
		var matched bool
		err := e.regex(func() (err error) {
			matched, err = ex.re.matchPrefix(s)
			return err
		})
		return matched, err
	}
	return pyCompare(ex.op, v, ex.value)
}

// pyInt is Python's int(v) for a JSON value. ok is false where int()
// raises ValueError; err is set where it raises anything else.
func pyInt(v any) (any, bool, error) {
	n, err := py.Int(v)
	var pe *py.Error
	switch {
	case err == nil:
		return n, true, nil
	case !errors.As(err, &pe):
		return nil, false, err
	case pe.Type == "ValueError":
		return nil, false, nil
	}
	return nil, false, &pyErr{pe.Type, pe.Msg}
}
