package jsonv

import (
	"bytes"
	"math"
	"math/big"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5,"x",null,true,false,{}],"b":{"c":-1e400}}`,
		`[NaN,Infinity,-Infinity,-0.0,123456789012345678901234567890]`,
		`"\ud83d\ude00\ud800\u00e9\n"`, `{"a":1,"a":2}`, "\xef\xbb\xbf1",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		enc := Marshal(v)
		w, err := Parse(enc)
		if err != nil {
			t.Fatalf("Parse(Marshal(v)) of %q: %v (encoded %q)", data, err, enc)
		}
		if !identical(v, w) {
			t.Fatalf("round trip of %q: %s != %s", data, PyRepr(v), PyRepr(w))
		}
		if enc2 := Marshal(w); !bytes.Equal(enc, enc2) {
			t.Fatalf("Marshal not stable: %q != %q", enc, enc2)
		}
		if !Equal(v, Clone(v)) && !hasNaN(v) {
			t.Fatalf("Clone(%s) differs", PyRepr(v))
		}
		_ = PyStr(v)
	})
}

// identical is strict structural equality: same types, same key order,
// NaN equal to NaN and -0.0 distinct from 0.0.
func identical(a, b any) bool {
	switch a := a.(type) {
	case float64:
		bf, ok := b.(float64)
		return ok && (math.Float64bits(a) == math.Float64bits(bf) || math.IsNaN(a) && math.IsNaN(bf))
	case *big.Int:
		bb, ok := b.(*big.Int)
		return ok && a.Cmp(bb) == 0
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !identical(a[i], bl[i]) {
				return false
			}
		}
		return true
	case *Object:
		bo, ok := b.(*Object)
		if !ok || a.Len() != bo.Len() {
			return false
		}
		for i := range a.Len() {
			ka, va := a.At(i)
			kb, vb := bo.At(i)
			if ka != kb || !identical(va, vb) {
				return false
			}
		}
		return true
	}
	return a == b
}

func hasNaN(v any) bool {
	switch v := v.(type) {
	case float64:
		return math.IsNaN(v)
	case []any:
		for _, e := range v {
			if hasNaN(e) {
				return true
			}
		}
	case *Object:
		for i := range v.Len() {
			if _, e := v.At(i); hasNaN(e) {
				return true
			}
		}
	}
	return false
}
