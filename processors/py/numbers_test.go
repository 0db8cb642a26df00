package py

import (
	"errors"
	"math"
	"math/big"
	"testing"
	"unicode"

	"meterflow/processors/jsonv"
)

func TestIntAndFloatOfStringsAreAsPythons(t *testing.T) {
	for _, v := range vectors(t).Num {
		s := v[0].(string)
		gotInt, errInt := Int(s)
		checkConversion(t, "int", s, gotInt, errInt, v[1])
		gotFloat, errFloat := Float(s)
		checkConversion(t, "float", s, gotFloat, errFloat, v[2])
		if f, ok := ParseFloat(s); ok != (errFloat == nil) || ok && !sameAsPython(f, v[2]) {
			t.Errorf("ParseFloat(%q) = %v, %v; Python %v", s, f, ok, v[2])
		}
	}
}

func TestIntAndFloatOfNumbersAreAsPythons(t *testing.T) {
	values := []any{true, false, 1.9, -1.9, 1e300, new(big.Int).Lsh(big.NewInt(1), 70), 0.0, math.Copysign(0, -1)}
	for i, v := range vectors(t).ValConv {
		in := values[i]
		gotInt, errInt := Int(in)
		checkConversion(t, "int", in, gotInt, errInt, v[1])
		gotFloat, errFloat := Float(in)
		checkConversion(t, "float", in, gotFloat, errFloat, v[2])
	}
}

// checkConversion compares f(in) with what Python made of it: the value, or
// the class of the exception.
func checkConversion(t *testing.T, f string, in, got any, err error, want any) {
	t.Helper()
	wantErr, raises := pyError(want)
	var pe *Error
	switch {
	case raises && err == nil:
		t.Errorf("%s(%#v) = %v; Python raises %s", f, in, got, wantErr)
	case raises && (!errors.As(err, &pe) || pe.Type != wantErr):
		t.Errorf("%s(%#v): %v; Python raises %s", f, in, err, wantErr)
	case !raises && err != nil:
		t.Errorf("%s(%#v): %v; Python %v", f, in, err, want)
	case !raises && !sameAsPython(got, want):
		t.Errorf("%s(%#v) = %v; Python %v", f, in, got, want)
	}
}

func TestIntKeepsInt64WhereItFits(t *testing.T) {
	for _, f := range []float64{-0x1p63, 0x1p63 - 1024, -1.5} {
		if n, err := Int(f); err != nil {
			t.Errorf("int(%v): %v", f, err)
		} else if _, ok := n.(int64); !ok {
			t.Errorf("int(%v) = %T %v, want an int64", f, n, n)
		}
	}
	if n, _ := Int(0x1p63); n.(*big.Int).String() != "9223372036854775808" {
		t.Errorf("int(2**63) = %v", n)
	}
	if n, _ := Int("99999999999999999999"); n.(*big.Int).String() != "99999999999999999999" {
		t.Errorf("int('9'*20) = %v", n)
	}
}

func TestIntAndFloatRejectContainersAndNone(t *testing.T) {
	for _, v := range []any{nil, []any{}, []any{int64(1)}, jsonv.NewObject(0)} {
		var pe *Error
		if _, err := Int(v); !errors.As(err, &pe) || pe.Type != "TypeError" {
			t.Errorf("int(%v): %v, want a TypeError", v, err)
		}
		if _, err := Float(v); !errors.As(err, &pe) || pe.Type != "TypeError" {
			t.Errorf("float(%v): %v, want a TypeError", v, err)
		}
	}
}

func TestErrorsReadAsPythonsTracebacks(t *testing.T) {
	_, err := Float("abc")
	if got, want := err.Error(), "ValueError: could not convert string to float: 'abc'"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = Int([]any{})
	if got, want := err.Error(), "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'list'"; got != want {
		t.Errorf("got %q, want %q", got, want)
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

func BenchmarkParseFloat(b *testing.B) {
	for b.Loop() {
		ParseFloat(" 1_024.5 ")
	}
}
