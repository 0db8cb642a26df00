package meter

import (
	"sort"
	"strings"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
)

const corpusPath = "../../testdata/ceilometer-19.jsonl"

// TestConformance runs every golden case of the Ceilometer 19 corpus
// through the shipped definitions and compares the samples with
// compare.py's rules, and the failing endpoints with the reference's.
func TestConformance(t *testing.T) {
	cases, err := golden.ReadCases(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	e, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	passed, samples := 0, 0
	for _, c := range cases {
		n, err := processors.Decode([]byte(c.Body))
		if err != nil {
			if len(c.Samples) > 0 {
				t.Errorf("%s: decode: %v", c.Name, err)
			} else {
				passed++
			}
			continue
		}
		got, errs := e.Samples(n)
		if err := golden.CompareSamples(c.Samples, got); err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if want, have := referenceEndpoints(c.ReferenceErrors), endpointNames(errs); want != have {
			t.Errorf("%s: failing endpoints: want [%s], got [%s] (%v)", c.Name, want, have, errs)
			continue
		}
		passed++
		samples += len(got)
	}
	t.Logf("conformance: %d/%d cases pass, %d samples", passed, len(cases), samples)
}

// referenceEndpoints maps the reference's "samples/<class>: ..." errors to
// entry point names.
func referenceEndpoints(errs []string) string {
	classes := map[string]string{
		"ProcessMeterNotifications": "meter", "TelemetryIpc": "_sample",
		"HTTPRequest": "http.request", "HTTPResponse": "http.response",
		"TemperatureSensorNotification": "hardware.ipmi.temperature",
		"CurrentSensorNotification":     "hardware.ipmi.current",
		"FanSensorNotification":         "hardware.ipmi.fan",
		"VoltageSensorNotification":     "hardware.ipmi.voltage",
	}
	var names []string
	for _, e := range errs {
		rest, ok := strings.CutPrefix(e, "samples/")
		if !ok {
			continue
		}
		class, _, _ := strings.Cut(rest, ":")
		names = append(names, classes[class])
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func endpointNames(errs []error) string {
	var names []string
	for _, err := range errs {
		if ee, ok := err.(*EndpointError); ok {
			names = append(names, ee.Endpoint)
		}
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}
