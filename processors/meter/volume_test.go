package meter

import (
	"math/big"
	"testing"

	"meterflow/processors/jsonv"
)

func TestVolumeOKIsPythonsFloat(t *testing.T) {
	// Expected values from float(s) under Python 3.11.
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1", true}, {"1.5", true}, {" 12 ", true}, {"1e3", true}, {"nan", true}, {"-inf", true},
		{"infinity", true}, {"+NaN", true}, {"1_000", true}, {"1__0", false}, {"_1", false}, {"1_", false},
		{"1_e3", false}, {"1.5_5", true}, {".5", true}, {"5.", true}, {".", false}, {"e5", false},
		{"1e", false}, {"0x10", false}, {"", false}, {"  ", false}, {"abc", false},
		{"\uff11\uff12", true}, {"\u00a012\u2003", true}, {"1e400", true}, {"\u001c1\u001f", false},
		{"1 2", false}, {"--1", false}, {"+-1", false}, {"1.5e+3", true}, {"1E-2", true},
		{"in f", false}, {"\u0661\u0662\u0663", true},
	} {
		if got := VolumeOK(tc.in); got != tc.want {
			t.Errorf("VolumeOK(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   any
		want bool
	}{
		{nil, false}, {true, true}, {int64(0), true}, {0.5, true}, {new(big.Int).Lsh(big.NewInt(1), 80), true},
		{[]any{}, false}, {jsonv.NewObject(0), false},
	} {
		if got := VolumeOK(tc.in); got != tc.want {
			t.Errorf("VolumeOK(%#v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
