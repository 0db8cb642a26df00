package convert

import (
	"testing"

	"meterflow/processors/event/eventtest"
	"meterflow/processors/meter/metertest"
)

// knownDivergences are golden cases where Ceilometer 19 is plainly wrong and
// meterflow deliberately differs, keyed by case name. Only reference bugs
// belong here.
var knownDivergences = map[string]string{}

// TestConformanceWholeDialect runs the golden cases made by the real
// Ceilometer 19.0.0 over testdata/dialect's definitions (which exercise the
// whole meter and event definition dialect, see testdata/dialect/README.md)
// with TestConformanceWithCeilometer19's rules.
func TestConformanceWholeDialect(t *testing.T) {
	const dir = "../../testdata/dialect/"
	conv, err := Load(Config{NoEtc: true, MeterDirs: []string{dir + "meters.d"}, EventsFile: dir + "event_definitions.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	// Exactly one definition is broken on purpose (a "map" plugin).
	if len(conv.Skipped) != 1 {
		t.Errorf("skipped meter definitions: %v, want the one dialect.backup.size with a map plugin", conv.Skipped)
	}
	cases, err := metertest.ReadCases(dir + "golden.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1020 {
		t.Fatalf("%d cases", len(cases))
	}
	pass, known := 0, 0
	for _, gc := range cases {
		why := ""
		r, err := conv.ConvertBody([]byte(gc.Body))
		switch {
		case err != nil:
			if len(gc.Samples) > 0 || len(gc.Events) > 0 {
				why = err.Error()
			}
		default:
			if ok, w := metertest.CompareSamples(gc.Samples, r.Samples); !ok {
				why = w
			} else if err := eventtest.CompareEvents(gc.Events, r.Events); err != nil {
				why = err.Error()
			} else if len(gc.ReferenceErrors) != len(r.Errors) {
				why = "Ceilometer raised " + join(gc.ReferenceErrors) + ", meterflow " + join(errStrings(r.Errors))
			}
		}
		if reason, ok := knownDivergences[gc.Name]; ok {
			if why == "" {
				t.Errorf("%s: listed in knownDivergences (%s) but now agrees with Ceilometer", gc.Name, reason)
			}
			known++
			continue
		}
		if why != "" {
			t.Errorf("%s: %s", gc.Name, why)
			continue
		}
		pass++
	}
	t.Logf("conformance: %d/%d cases pass, %d known divergences", pass, len(cases), known)
}

func errStrings(errs []error) []string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return s
}

func join(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	out := "["
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out + "]"
}
