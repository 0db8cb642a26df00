package convert

import (
	"errors"
	"strings"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
)

// corpora are the golden files and the event definitions each was made
// with (testdata/README.md): shipped meters.yaml for both.
var corpora = []struct {
	file, events string
}{
	{"../../testdata/ceilometer-19-shipped.jsonl", ""},
	{"../../testdata/ceilometer-19.jsonl", "../event/testdata/corpus_event_definitions.yaml"},
}

// TestConformanceWithCeilometer19 runs every golden case through Decode and
// Convert and applies compare.py's equality rules: samples as a multiset,
// events in order, numbers within 1e-9, timestamps as instants.
func TestConformanceWithCeilometer19(t *testing.T) {
	for _, c := range corpora {
		t.Run(c.file, func(t *testing.T) {
			conv, err := Load(Config{NoEtc: true, EventsFile: c.events})
			if err != nil {
				t.Fatal(err)
			}
			if len(conv.Skipped) > 0 {
				t.Fatalf("shipped meter definitions skipped: %v", conv.Skipped)
			}
			cases, err := golden.ReadCases(c.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(cases) != 612 {
				t.Fatalf("%d cases", len(cases))
			}
			pass := 0
			for _, gc := range cases {
				r, err := conv.ConvertBody([]byte(gc.Body))
				if err != nil {
					if len(gc.Samples) == 0 && len(gc.Events) == 0 {
						pass++
						continue
					}
					t.Errorf("%s: %v", gc.Name, err)
					continue
				}
				if err := golden.CompareSamples(gc.Samples, r.Samples); err != nil {
					t.Errorf("%s: %v", gc.Name, err)
					continue
				}
				if err := golden.CompareEvents(gc.Events, r.Events); err != nil {
					t.Errorf("%s: %v", gc.Name, err)
					continue
				}
				if len(gc.ReferenceErrors) != len(r.Errors) {
					t.Errorf("%s: Ceilometer raised %v, meterflow %v", gc.Name, gc.ReferenceErrors, r.Errors)
					continue
				}
				pass++
			}
			t.Logf("conformance: %d/%d cases pass", pass, len(cases))
		})
	}
}

func TestMalformedBodyIsAnError(t *testing.T) {
	conv, err := Load(Config{NoEtc: true})
	if err != nil {
		t.Fatal(err)
	}
	_, cerr := conv.ConvertBody([]byte(`{"oslo.version": "2.0", "oslo.message": "{"}`))
	if !errors.Is(cerr, processors.ErrMalformed) {
		t.Fatalf("error %v, want ErrMalformed", cerr)
	}
	if got := string(AppendError(nil, cerr)); !strings.HasPrefix(got, `{"error":"malformed notification: envelope: oslo.message: `) {
		t.Fatalf("error line %s", got)
	}
}
