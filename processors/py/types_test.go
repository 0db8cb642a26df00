package py

import (
	"math"
	"math/big"
	"testing"

	"meterflow/processors/jsonv"
)

func TestTypeNameIsPythons(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, "NoneType"}, {true, "bool"}, {int64(1), "int"}, {big.NewInt(1), "int"}, {1.5, "float"},
		{"s", "str"}, {[]any{}, "list"}, {jsonv.NewObject(0), "dict"},
	} {
		if got := TypeName(tc.v); got != tc.want {
			t.Errorf("TypeName(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestTruthyIsPythonBool(t *testing.T) {
	empty := jsonv.NewObject(0)
	full := jsonv.NewObject(1)
	full.Set("a", nil)
	cases := []struct {
		v    any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {int64(0), false}, {int64(-1), true},
		{big.NewInt(0), false}, {new(big.Int).Lsh(big.NewInt(1), 80), true},
		{0.0, false}, {math.NaN(), true}, {"", false}, {"0", true}, {[]any{}, false}, {[]any{nil}, true},
		{empty, false}, {full, true},
	}
	for _, c := range cases {
		if got := Truthy(c.v); got != c.want {
			t.Errorf("Truthy(%s) = %v, want %v", jsonv.PyRepr(c.v), got, c.want)
		}
	}
}
