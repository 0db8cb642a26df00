package golden

import (
	"strings"
	"testing"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

func parseList(t *testing.T, s string) []any {
	t.Helper()
	v, err := jsonv.ParseString(s)
	if err != nil {
		t.Fatal(err)
	}
	return v.([]any)
}

const goldenSamples = `[
	{"name": "b", "type": "gauge", "unit": "B", "volume": 2, "user_id": null, "project_id": "p",
	 "resource_id": "r", "timestamp": "2026-11-24T10:00:00+00:00", "resource_metadata": {}, "source": "openstack", "id": "x"},
	{"name": "a", "type": "gauge", "unit": "B", "volume": 1.0, "user_id": null, "project_id": "p",
	 "resource_id": "r", "timestamp": "2026-11-24T10:00:00+00:00", "resource_metadata": {}, "source": "openstack"}]`

func testSample(name string, volume any) processors.Sample {
	return processors.Sample{Name: name, Type: "gauge", Unit: "B", Volume: volume, ProjectID: "p", ResourceID: "r",
		Timestamp: "2026-11-24T10:00:00Z", ResourceMetadata: jsonv.NewObject(0), Source: "openstack", ID: "ignored"}
}

func TestCompareSamplesIsAMultiset(t *testing.T) {
	want := parseList(t, goldenSamples)
	if err := CompareSamples(want, []processors.Sample{testSample("a", int64(1)), testSample("b", int64(2))}); err != nil {
		t.Errorf("equal samples differ: %v", err)
	}
	for _, tc := range []struct {
		name string
		got  []processors.Sample
		why  string
	}{
		{"other volume", []processors.Sample{testSample("a", int64(1)), testSample("b", int64(3))}, "sample 'b' resource 'r': volume: want 2, got 3"},
		{"one missing", []processors.Sample{testSample("a", int64(1))}, "want 2 samples [a b], got 1 [a]"},
		{"a duplicate for another", []processors.Sample{testSample("a", int64(1)), testSample("a", int64(1))}, "no sample named 'b'"},
	} {
		if err := CompareSamples(want, tc.got); err == nil || err.Error() != tc.why {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.why)
		}
	}
}

func TestCompareSamplesComparesOnlyTheGoldenFieldsLessTheIgnored(t *testing.T) {
	want := parseList(t, `[{"name": "a", "volume": 1, "message_signature": "s", "monotonic_time": 5}]`)
	if err := CompareSamples(want, []processors.Sample{testSample("a", 1.0)}); err != nil {
		t.Error(err)
	}
	want = parseList(t, `[{"name": "a", "user_name": "u", "extra": 1}]`)
	if err := CompareSamples(want, []processors.Sample{testSample("a", 1.0)}); err == nil || !strings.Contains(err.Error(), `missing field "extra"`) {
		t.Errorf("a golden field the sample lacks: %v", err)
	}
}

func TestSamplesRoundTripThroughTheirDicts(t *testing.T) {
	samples := []processors.Sample{testSample("a", int64(1)), testSample("b", 2.5)}
	samples[1].UserID, samples[1].ResourceMetadata = "u", jsonv.NewObject(0)
	dicts := make([]any, len(samples))
	for i := range samples {
		dicts[i] = SampleDict(&samples[i])
	}
	if got := string(jsonv.Marshal(dicts[0])); got != `{"name":"a","type":"gauge","unit":"B","volume":1,"user_id":null,"project_id":"p","resource_id":"r","timestamp":"2026-11-24T10:00:00Z","resource_metadata":{},"source":"openstack","id":"ignored"}` {
		t.Errorf("SampleDict: %s", got)
	}
	back, err := SamplesFromDicts(dicts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range back {
		if !jsonv.Equal(SampleDict(&back[i]), dicts[i]) {
			t.Errorf("sample %d: %s, want %s", i, jsonv.Marshal(SampleDict(&back[i])), jsonv.Marshal(dicts[i]))
		}
	}
	for _, bad := range []string{`[1]`, `[{"name": 5}]`, `[{"name": "a", "timestamp": null}]`} {
		if _, err := SamplesFromDicts(parseList(t, bad)); err == nil {
			t.Errorf("%s: read without an error", bad)
		}
	}
}
