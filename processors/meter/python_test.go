package meter

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

func TestTruthyIsPythonsBool(t *testing.T) {
	o := jsonv.NewObject(1)
	o.Set("k", nil)
	for _, tc := range []struct {
		v    any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {int64(0), false}, {int64(-1), true}, {new(big.Int), false},
		{0.0, false}, {math.NaN(), true}, {"", false}, {"0", true}, {[]any{}, false}, {[]any{nil}, true},
		{jsonv.NewObject(0), false}, {o, true},
	} {
		if got := py.Truthy(tc.v); got != tc.want {
			t.Errorf("py.Truthy(%#v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestGetKeyRaisesAsPython(t *testing.T) {
	o := jsonv.NewObject(1)
	o.Set("a", int64(1))
	for _, tc := range []struct {
		v    any
		want string
	}{
		{o, ""}, {jsonv.NewObject(0), "KeyError: 'a'"}, {[]any{}, "TypeError: list indices"},
		{"s", "TypeError: string indices"}, {nil, "TypeError: 'NoneType' object is not subscriptable"},
	} {
		_, err := getKey(tc.v, "a")
		if (err == nil) != (tc.want == "") || err != nil && !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("getKey(%#v) error %v, want %q", tc.v, err, tc.want)
		}
	}
}
