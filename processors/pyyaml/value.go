package pyyaml

import (
	"math/big"
	"strings"

	"meterflow/processors/jsonv"
)

// Value is one value as safe_load constructs it, with where it starts.
//
// A nil *Value stands for a missing value and reads as None: its methods
// may be called.
type Value struct {
	// V is the value: nil (None), bool, int64 or *big.Int (int), float64,
	// string (str), Timestamp (datetime.date or datetime.datetime),
	// []*Value (list) or *Mapping (dict).
	V any
	// Line and Column are where the value starts, 1-based; 0 for a Value
	// that was not read from a document.
	Line, Column int
	// size counts the values under this one with aliases expanded,
	// saturating at MaxSize+1.
	size int
}

// Timestamp is a YAML timestamp (2026-11-02 or 2026-11-02 10:00:00), as
// written. PyYAML makes it a datetime.date or datetime.datetime.
type Timestamp string

// Mapping is a YAML mapping as the Python dict safe_load builds from it:
// unique keys in the order of their first occurrence.
type Mapping struct {
	Pairs []Pair
}

// Pair is a key of a Mapping and its value.
type Pair struct {
	Key, Value *Value
}

// MaxSize bounds what a document may make: its merge keys may bring at
// most MaxSize pairs in all, and Size stops counting past MaxSize.
const MaxSize = 1 << 20

// Lookup returns the value under the string key k, and whether there is one.
func (m *Mapping) Lookup(k string) (*Value, bool) {
	for _, p := range m.Pairs {
		if s, ok := p.Key.V.(string); ok && s == k {
			return p.Value, true
		}
	}
	return nil, false
}

// Get is dict.get(k) for the string key k: the value, or nil when v is not
// a mapping or has no such key.
func (v *Value) Get(k string) *Value {
	if m, ok := v.mapping(); ok {
		x, _ := m.Lookup(k)
		return x
	}
	return nil
}

// Has reports whether v is a mapping with the string key k (Python's
// `k in v`).
func (v *Value) Has(k string) bool {
	if m, ok := v.mapping(); ok {
		_, found := m.Lookup(k)
		return found
	}
	return false
}

func (v *Value) mapping() (*Mapping, bool) {
	if v == nil {
		return nil, false
	}
	m, ok := v.V.(*Mapping)
	return m, ok
}

// Str returns the value if it is a string.
func (v *Value) Str() (string, bool) {
	if v == nil {
		return "", false
	}
	s, ok := v.V.(string)
	return s, ok
}

// IsInt is isinstance(v, int), which booleans satisfy.
func (v *Value) IsInt() bool {
	if v == nil {
		return false
	}
	switch v.V.(type) {
	case bool, int64, *big.Int:
		return true
	}
	return false
}

// Truthy is Python's bool(v).
func (v *Value) Truthy() bool {
	if v == nil {
		return false
	}
	switch x := v.V.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case *big.Int:
		return x.Sign() != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []*Value:
		return len(x) > 0
	case *Mapping:
		return len(x.Pairs) > 0
	}
	return true
}

// TypeName is the name of v's Python type, for messages: NoneType, bool,
// int, float, str, date, datetime, list or dict.
func (v *Value) TypeName() string {
	if v == nil {
		return "NoneType"
	}
	switch x := v.V.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case Timestamp:
		if len(x) == len("2026-11-02") {
			return "date"
		}
		return "datetime"
	case []*Value:
		return "list"
	case *Mapping:
		return "dict"
	}
	return "object"
}

// Size is the number of values v stands for with its aliases expanded (a
// mapping counts itself, its keys and its values), or MaxSize+1 when that
// is more than MaxSize. A Value not read from a document counts 1.
func (v *Value) Size() int {
	if v == nil || v.size == 0 {
		return 1
	}
	return v.size
}

// maxRender bounds the text of a value in messages; aliases can make a small
// document describe an exponentially large value.
const maxRender = 200

// String is Python's str(v), cut after 200 bytes with "...". A timestamp
// is written as in the document.
func (v *Value) String() string {
	var b strings.Builder
	v.render(&b, true)
	s := b.String()
	if len(s) > maxRender {
		s = s[:maxRender] + "..."
	}
	return s
}

func (v *Value) render(b *strings.Builder, top bool) {
	if b.Len() > maxRender {
		return
	}
	if v == nil {
		b.WriteString("None")
		return
	}
	switch x := v.V.(type) {
	case nil:
		b.WriteString("None")
	case string:
		if top {
			b.WriteString(x)
		} else {
			b.WriteString(jsonv.PyRepr(x))
		}
	case Timestamp:
		b.WriteString(string(x))
	case []*Value:
		b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			it.render(b, false)
		}
		b.WriteByte(']')
	case *Mapping:
		b.WriteByte('{')
		for i, p := range x.Pairs {
			if i > 0 {
				b.WriteString(", ")
			}
			p.Key.render(b, false)
			b.WriteString(": ")
			p.Value.render(b, false)
		}
		b.WriteByte('}')
	default:
		b.WriteString(jsonv.PyRepr(x))
	}
}
