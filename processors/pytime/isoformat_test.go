package pytime

import "testing"

// TestISOFormatOfReusesNormalText checks that ISOFormatOf gives what
// ISOFormat gives, returning the input itself only when it is that text.
func TestISOFormatOfReusesNormalText(t *testing.T) {
	for _, in := range []string{
		"2026-11-08T18:07:49.069811", "2026-11-08 18:07:49.069811", "2026-11-08T18:07:49",
		"2026-11-08T18:07:49.000000", "2026-11-08T18:07:49+02:00", "2026-11-08T18:07:49Z", "20261108T180749",
	} {
		tm, err := ParseISO(in)
		if err != nil {
			t.Fatalf("ParseISO(%q): %v", in, err)
		}
		want := tm.ISOFormat()
		got := tm.ISOFormatOf(in)
		if got != want {
			t.Errorf("ISOFormatOf(%q) = %q, ISOFormat %q", in, got, want)
		}
		if allocs := testing.AllocsPerRun(10, func() { tm.ISOFormatOf(in) }); (in == want) != (allocs == 0) {
			t.Errorf("ISOFormatOf(%q): %v allocations", in, allocs)
		}
	}
}
