package meter

import (
	"errors"
	"fmt"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// Python's semantics on JSON values, where Ceilometer's code relies on them.

// pyError is an exception that Ceilometer's code raises on a notification
// of an unexpected shape (a KeyError, a TypeError...): the endpoint fails
// for that notification.
type pyError struct {
	kind string // the Python exception class
	msg  string
}

func (e *pyError) Error() string { return e.kind + ": " + e.msg }

func pyErrorf(kind, format string, args ...any) error {
	return &pyError{kind, fmt.Sprintf(format, args...)}
}

func isKeyError(err error) bool {
	var pe *pyError
	return errors.As(err, &pe) && pe.kind == "KeyError"
}

// getKey is Python's v[key] on a JSON value: a KeyError when an object
// lacks the key, a TypeError when v is not an object.
func getKey(v any, key string) (any, error) {
	o, ok := v.(*jsonv.Object)
	if !ok {
		if _, isList := v.([]any); isList {
			return nil, pyErrorf("TypeError", "list indices must be integers or slices, not str")
		}
		if _, isStr := v.(string); isStr {
			return nil, pyErrorf("TypeError", "string indices must be integers, not 'str'")
		}
		return nil, pyErrorf("TypeError", "%s object is not subscriptable", pyTypeName(v))
	}
	val, ok := o.Get(key)
	if !ok {
		return nil, pyErrorf("KeyError", "%s", jsonv.PyRepr(key))
	}
	return val, nil
}

// iterate is Python's iteration over a JSON value: a list's items, an
// object's keys, a string's characters; other values are a TypeError.
func iterate(v any) ([]any, error) {
	switch v := v.(type) {
	case []any:
		return v, nil
	case *jsonv.Object:
		keys := make([]any, v.Len())
		for i := range keys {
			keys[i], _ = v.At(i)
		}
		return keys, nil
	case string:
		var chars []any
		for _, r := range v {
			chars = append(chars, string(r))
		}
		return chars, nil
	}
	return nil, pyErrorf("TypeError", "%s object is not iterable", pyTypeName(v))
}

// pyTypeName is the name of a JSON value's type as Python's messages quote
// it: 'int'.
func pyTypeName(v any) string { return "'" + py.TypeName(v) + "'" }

// strOf is a sample's type or unit: Python's str() of a value that is not a
// string (processors.Sample keeps them as strings).
func strOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonv.PyStr(v)
}
