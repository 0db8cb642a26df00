package meter

import (
	"testing"
	"time"
)

func TestPythonRegexSemantics(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"compute.instance.(?!create.start|update).*", "compute.instance.create.end", true},
		{"compute.instance.(?!create.start|update).*", "compute.instance.create.start", false},
		{"compute.instance.(?!create.start|update).*", "compute.instance.update", false},
		{"compute.instance.(?!create.start|update).*", "compute.instance.updated", false},
		{"volume.create.*", "volume.create.end", true},
		{"volume.create.*", "xvolume.create.end", false}, // anchored at the start
		{"hardware.ipmi.*", "hardware.ipmi", true},
		{"http.request", "http.requests", true}, // not anchored at the end
		{"a$", "a\n", true},                     // $ before a final newline
		{"a\\Z", "a\n", false},                  // \Z is the very end
		{"(?P<x>a)(?P=x)", "aa", true},
		{"[(?P<]x", "Px", true},  // inside a class, nothing is translated
		{"\\d+", "\u0663", true}, // Unicode digits, as Python's str patterns
		{"(?i)COMPUTE", "compute", true},
	} {
		re, err := compilePyRegexp(tc.pattern, time.Second)
		if err != nil {
			t.Errorf("%q: %v", tc.pattern, err)
			continue
		}
		if got, err := re.match(tc.s); err != nil || got != tc.want {
			t.Errorf("re.match(%q, %q) = %v (%v), want %v", tc.pattern, tc.s, got, err, tc.want)
		}
	}
}

func TestRegexTimeoutIsAnError(t *testing.T) {
	re, err := compilePyRegexp("(a+)+$", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	s := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
	if _, err := re.match(s); err == nil {
		t.Errorf("catastrophic backtracking did not time out")
	}
}
