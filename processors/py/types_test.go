package py

import (
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
