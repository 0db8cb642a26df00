package event

import (
	"strings"
	"testing"
)

func TestISOTimeNormalizesAsOsloTimeutils(t *testing.T) {
	for _, v := range vectors(t).ISO {
		s := v[0].(string)
		got, err := normalizeISOTime(s)
		want, ok := v[1].(string)
		switch {
		case !ok && err == nil:
			t.Errorf("%q: got %q, Python raises", s, got)
		case ok && err != nil:
			t.Errorf("%q: %v, Python %q", s, err, want)
		case ok && got != want:
			t.Errorf("%q: got %q, Python %q", s, got, want)
		}
	}
}

func TestISOTimeFastPathAgreesWithRegexp(t *testing.T) {
	for _, v := range vectors(t).ISO {
		checkFastPath(t, v[0].(string))
	}
}

func checkFastPath(t *testing.T, s string) {
	t.Helper()
	fast, ok := parseISOTimeFast(s)
	if !ok {
		return
	}
	slow, err := parseISOTimeRE(s)
	if err != nil || !fast.wall.Equal(slow.wall) || fast.offset != slow.offset {
		t.Errorf("%q: fast path %v %v, regexp %v %v (%v)", s, fast.wall, fast.offset, slow.wall, slow.offset, err)
	}
}

func FuzzISOTimeFastPath(f *testing.F) {
	for _, s := range []string{"2026-11-02 10:01:07.009973", "2026-11-02T10:01:07+05:30", "2026-11-02T10:01:07Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFastPath(t, s)
		if _, err := normalizeISOTime(s); err == nil && strings.ContainsAny(s, "abc") {
			t.Errorf("%q parsed", s)
		}
	})
}

func TestISOTimeRejectsNonStrings(t *testing.T) {
	for _, v := range []any{nil, int64(20261102), 1.5, true} {
		if _, err := normalizeISOTime(v); err == nil {
			t.Errorf("%v parsed", v)
		}
	}
}
