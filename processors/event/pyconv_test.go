package event

import (
	"math/big"
	"testing"
	"unicode"
)

func TestPythonIntAndFloatOfStrings(t *testing.T) {
	for _, v := range vectors(t).Num {
		s := v[0].(string)
		gotInt, errInt := pyInt(s)
		switch {
		case pyError(v[1]) != (errInt != nil):
			t.Errorf("int(%q): got %v, %v; Python %v", s, gotInt, errInt, v[1])
		case errInt == nil && !sameAsPython(gotInt, v[1]):
			t.Errorf("int(%q) = %v, Python %v", s, gotInt, v[1])
		}
		gotFloat, errFloat := pyFloat(s)
		switch {
		case pyError(v[2]) != (errFloat != nil):
			t.Errorf("float(%q): got %v, %v; Python %v", s, gotFloat, errFloat, v[2])
		case errFloat == nil && !sameAsPython(gotFloat, v[2]):
			t.Errorf("float(%q) = %v, Python %v", s, gotFloat, v[2])
		}
	}
}

func TestPythonIntAndFloatOfNumbers(t *testing.T) {
	values := []any{true, false, 1.9, -1.9, 1e300, new(big.Int).Lsh(big.NewInt(1), 70), 0.0, -0.0}
	for i, v := range vectors(t).ValConv {
		in := values[i]
		gotInt, errInt := pyInt(in)
		if pyError(v[1]) != (errInt != nil) || errInt == nil && !sameAsPython(gotInt, v[1]) {
			t.Errorf("int(%v) = %v, %v; Python %v", in, gotInt, errInt, v[1])
		}
		gotFloat, errFloat := pyFloat(in)
		if pyError(v[2]) != (errFloat != nil) || errFloat == nil && !sameAsPython(gotFloat, v[2]) {
			t.Errorf("float(%v) = %v, %v; Python %v", in, gotFloat, errFloat, v[2])
		}
	}
}

func TestPythonIntRejectsContainers(t *testing.T) {
	for _, v := range []any{nil, []any{}, []any{int64(1)}} {
		if _, err := pyInt(v); err == nil {
			t.Errorf("int(%v): no error", v)
		}
		if _, err := pyFloat(v); err == nil {
			t.Errorf("float(%v): no error", v)
		}
	}
}

func TestDecimalDigitsComeInRunsOfTen(t *testing.T) {
	for _, rg := range unicode.Nd.R16 {
		if rg.Stride != 1 || (rg.Hi-rg.Lo+1)%10 != 0 {
			t.Errorf("Nd range %#x-%#x stride %d", rg.Lo, rg.Hi, rg.Stride)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rg.Stride != 1 || (rg.Hi-rg.Lo+1)%10 != 0 {
			t.Errorf("Nd range %#x-%#x stride %d", rg.Lo, rg.Hi, rg.Stride)
		}
	}
}

func TestTextIsCroppedTo255Characters(t *testing.T) {
	long := make([]rune, 300)
	for i := range long {
		long[i] = 'é'
	}
	got := pyText(string(long))
	if n := len([]rune(got)); n != 255 {
		t.Errorf("cropped to %d characters, want 255", n)
	}
	if got := pyText(int64(12)); got != "12" {
		t.Errorf("str(12) = %q", got)
	}
	if got := pyText(1e16); got != "1e+16" {
		t.Errorf("str(1e16) = %q", got)
	}
}
