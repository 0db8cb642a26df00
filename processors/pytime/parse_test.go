package pytime

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"meterflow/processors/py"
)

// pythonVectors are what Python made of the inputs in testdata/python.json
// (regenerate with testdata/gen_python.py).
type pythonVectors struct {
	// ISO is [s, parse_isotime(s).isoformat(),
	// normalize_time(parse_isotime(s)).isoformat(), microseconds since the
	// epoch], each a value or {"error": class}.
	ISO        [][4]any `json:"iso"`
	NonStrings [][2]any `json:"nonstrings"`
}

var loadVectors = sync.OnceValues(func() (*pythonVectors, error) {
	data, err := os.ReadFile("testdata/python.json")
	if err != nil {
		return nil, err
	}
	var v pythonVectors
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.UseNumber()
	return &v, d.Decode(&v)
})

func vectors(t *testing.T) *pythonVectors {
	t.Helper()
	v, err := loadVectors()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// outcome renders a result the way gen_python.py does: the value, or
// {"error": class} for a *py.Error.
func outcome(v any, err error) any {
	if err != nil {
		var pe *py.Error
		if !errors.As(err, &pe) {
			return fmt.Sprintf("not a *py.Error: %v", err)
		}
		return map[string]any{"error": pe.Type}
	}
	return v
}

func same(got, want any) bool {
	if n, ok := want.(json.Number); ok {
		want = n.String()
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

func TestParseISOIsOsloTimeutils(t *testing.T) {
	for _, v := range vectors(t).ISO {
		s := v[0].(string)
		tm, err := ParseISO(s)
		if got := outcome(tm.ISOFormat(), err); !same(got, v[1]) {
			t.Errorf("parse_isotime(%q).isoformat() = %v, Python %v", s, got, v[1])
		}
		if err != nil {
			continue
		}
		if got := outcome(tm.UnixMicro(), nil); !same(got, v[3]) {
			t.Errorf("parse_isotime(%q) is %v µs after the epoch, Python %v", s, got, v[3])
		}
		n, err := tm.Normalize()
		if got := outcome(n.ISOFormat(), err); !same(got, v[2]) {
			t.Errorf("normalize_time(parse_isotime(%q)).isoformat() = %v, Python %v", s, got, v[2])
		}
		if err == nil && (!n.Naive() || n.UnixMicro() != tm.UnixMicro()) {
			t.Errorf("normalize_time(parse_isotime(%q)) = %+v, not the same instant, naive", s, n)
		}
	}
}

func TestParseISOTakesOnlyStrings(t *testing.T) {
	for i, v := range vectors(t).NonStrings {
		in := []any{nil, int64(20261102), 1.5, true, []any{}, map[string]any{}}[i]
		_, err := ParseISO(in)
		if got := outcome(nil, err); !same(got, v[1]) {
			t.Errorf("parse_isotime(%#v): %v, Python %v", in, got, v[1])
		}
	}
	_, err := ParseISO(int64(5))
	if want := "ValueError: expected string or bytes-like object, got 'int'"; err == nil || err.Error() != want {
		t.Errorf("parse_isotime(5): %v, want %s", err, want)
	}
}

// The fast path must agree with ISO8601_REGEX on every input it takes.
func TestCommonFormsAgreeWithTheRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		s := fmt.Sprintf("%04d-%02d-%02d%c%02d:%02d:%02d", rng.IntN(10000), rng.IntN(14), rng.IntN(33),
			" T"[rng.IntN(2)], rng.IntN(26), rng.IntN(62), rng.IntN(62))
		if rng.IntN(2) == 0 {
			s += "." + fmt.Sprint(rng.Uint64())[:1+rng.IntN(9)]
		}
		switch rng.IntN(4) {
		case 0:
			s += "Z"
		case 1:
			s += fmt.Sprintf("%c%02d:%02d", "+-"[rng.IntN(2)], rng.IntN(26), rng.IntN(61))
		}
		if _, ok := parseCommon(s); !ok {
			t.Fatalf("%q: not taken by the fast path", s)
		}
		checkFastPath(t, s)
	}
	for _, v := range vectors(t).ISO {
		checkFastPath(t, v[0].(string))
	}
}

func checkFastPath(t *testing.T, s string) {
	t.Helper()
	fast, ok := parseCommon(s)
	if !ok {
		return
	}
	slow, err := match(s)
	if err != nil || fast != slow {
		t.Fatalf("%q: fast path %+v, regexp %+v (%v)", s, fast, slow, err)
	}
}

func FuzzParseISO(f *testing.F) {
	for _, s := range []string{"2026-11-02 10:01:07.009973", "2026-11-02T10:01:07+05:30", "2026-11-02T10:01:07Z", "20261102T1001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFastPath(t, s)
		tm, err := ParseISO(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(s, "abc") {
			t.Errorf("%q parsed", s)
		}
		if again, err := ParseISO(tm.ISOFormat()); err != nil || again != tm {
			t.Errorf("%q: %s reads back as %+v (%v)", s, tm.ISOFormat(), again, err)
		}
	})
}

func BenchmarkParseISO(b *testing.B) {
	for _, s := range []string{"2026-11-02 10:01:07.009973", "20261102T100107"} {
		b.Run(s, func(b *testing.B) {
			for b.Loop() {
				ParseISO(s)
			}
		})
	}
}
