package golden

import (
	"testing"
	"time"

	"meterflow/processors/jsonv"
)

// sameVectors are JSON texts and compare.py's same() on them (Python 3.11).
var sameVectors = []struct {
	a, b   string
	asTime bool
	want   bool
}{
	{`1`, `1.0`, false, true},
	{`1.0`, `1.000000000001`, false, true},
	{`1.0`, `1.001`, false, false},
	{`100000000000000000000000000000`, `1e29`, false, true},
	{`NaN`, `NaN`, false, true},
	{`0`, `null`, false, false},
	{`true`, `1`, false, false},
	{`true`, `true`, false, true},
	{`false`, `0.0`, false, false},
	{`"1"`, `1`, false, false},
	{`null`, `null`, false, true},
	{`[1, {"a": 2}]`, `[1.0, {"a": 2.0}]`, false, true},
	{`[1, 2]`, `[2, 1]`, false, false},
	{`{"a": 1, "b": 2}`, `{"b": 2, "a": 1}`, false, true},
	{`{"a": 1}`, `{"a": 1, "b": null}`, false, false},
	{`"2026-11-24T10:00:00+00:00"`, `"2026-11-24T10:00:00Z"`, true, true},
	{`"2026-11-24T10:00:00+00:00"`, `"2026-11-24T10:00:00Z"`, false, false},
	{`"2026-11-24T10:00:00"`, `"2026-11-24 10:00:00+00:00"`, true, true},
	{`"2026-11-24T11:00:00+01:00"`, `"2026-11-24T10:00:00"`, true, true},
	{`"2026-11-24T10:00:00.123456"`, `"2026-11-24T10:00:00.1234567"`, true, true},
	{`"2026-11-24T10:00:00.5"`, `"2026-11-24T10:00:00.500001"`, true, false},
	{`"2026-11-24T10:00:00,5"`, `"2026-11-24T10:00:00.5Z"`, true, true},
	{`"2026-11-24T10:00:00+0100"`, `"2026-11-24T09:00:00"`, true, true},
	{`"2026-11-24T10:00:00+01:00:30"`, `"2026-11-24T08:59:30Z"`, true, true},
	{`"2026-11-24"`, `"2026-11-24T00:00"`, true, true},
	{`"  2026-11-24 10"`, `"2026-11-24T10:00:00"`, true, true},
	{`"x"`, `"x"`, true, true},
	{`"2026-11-24T10:00:00z"`, `"2026-11-24T10:00:00Z"`, true, false},
	{`"2026-02-30"`, `"2026-02-30"`, true, true},
	{`"2026-02-30"`, `"2026-03-02"`, true, false},
	{`"2026-11-24T10:00:00"`, `1795514400`, true, false},
	{`{"t": "2026-11-24T10:00:00"}`, `{"t": "2026-11-24T10:00:00Z"}`, true, false},
}

func TestSameFollowsComparePy(t *testing.T) {
	for _, v := range sameVectors {
		a, err := jsonv.ParseString(v.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := jsonv.ParseString(v.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := Same(a, b, v.asTime); got != v.want {
			t.Errorf("Same(%s, %s, %v) = %v, want %v", v.a, v.b, v.asTime, got, v.want)
		}
		if got := Same(b, a, v.asTime); got != v.want {
			t.Errorf("Same(%s, %s, %v) = %v, want %v (swapped)", v.b, v.a, v.asTime, got, v.want)
		}
	}
}

func TestSameTakesGoNumbersAsJSONNumbers(t *testing.T) {
	if !Same(2, int64(2), false) || !Same(2, 2.0, false) || Same(2, "2", false) {
		t.Error("an int is not the number it holds")
	}
}

func TestInstantReadsWhatFromisoformatReads(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for in, want := range map[string]time.Time{
		"2026-11-24T10:00:00.009973+00:00": utc("2026-11-24T10:00:00.009973Z"),
		"2026-11-24 10:00:00.009973":       utc("2026-11-24T10:00:00.009973Z"),
		"2026-11-24T10:00:00.0099739":      utc("2026-11-24T10:00:00.009973Z"),
		"2026-11-24T10:00:00-05:00":        utc("2026-11-24T15:00:00Z"),
		"2026-11-24T10:00Z":                utc("2026-11-24T10:00:00Z"),
		"2026-11-24":                       utc("2026-11-24T00:00:00Z"),
	} {
		got, ok := Instant(in)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Instant(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []any{"yesterday", "", "2026-13-01", "2026-11-24T24:00:00", "2026-11-24T10:00:60", "2026-11-24 10:00:00 x", nil, int64(1)} {
		if got, ok := Instant(in); ok {
			t.Errorf("Instant(%#v) = %v, want no instant", in, got)
		}
	}
}
