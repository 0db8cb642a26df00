package metertest

import (
	"math"
	"testing"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

func TestSameFollowsComparePy(t *testing.T) {
	for _, tc := range []struct {
		a, b   any
		asTime bool
		want   bool
	}{
		{int64(1), 1.0, false, true},
		{1.0, 1.0 + 1e-12, false, true},
		{1.0, 1.001, false, false},
		{true, int64(1), false, false},
		{true, true, false, true},
		{math.NaN(), math.NaN(), false, true},
		{"2026-11-24T10:00:00+00:00", "2026-11-24T10:00:00Z", true, true},
		{"2026-11-24T10:00:00", "2026-11-24 10:00:00+00:00", true, true},
		{"2026-11-24T11:00:00+01:00", "2026-11-24T10:00:00", true, true},
		{"2026-11-24T10:00:00+00:00", "2026-11-24T10:00:00Z", false, false},
		{"x", "x", true, true},
		{nil, nil, false, true},
		{[]any{int64(1)}, []any{1.0}, false, true},
	} {
		if got := Same(tc.a, tc.b, tc.asTime); got != tc.want {
			t.Errorf("Same(%#v, %#v, %v) = %v, want %v", tc.a, tc.b, tc.asTime, got, tc.want)
		}
	}
}

func TestCompareSamplesIsAMultiset(t *testing.T) {
	golden, err := jsonv.ParseString(`[
		{"name": "b", "type": "gauge", "unit": "B", "volume": 2, "user_id": null, "project_id": "p",
		 "resource_id": "r", "timestamp": "2026-11-24T10:00:00+00:00", "resource_metadata": {}, "source": "openstack", "id": "x"},
		{"name": "a", "type": "gauge", "unit": "B", "volume": 1.0, "user_id": null, "project_id": "p",
		 "resource_id": "r", "timestamp": "2026-11-24T10:00:00+00:00", "resource_metadata": {}, "source": "openstack"}]`)
	if err != nil {
		t.Fatal(err)
	}
	s := func(name string, v any) processors.Sample {
		return processors.Sample{Name: name, Type: "gauge", Unit: "B", Volume: v, ProjectID: "p", ResourceID: "r",
			Timestamp: "2026-11-24T10:00:00Z", ResourceMetadata: jsonv.NewObject(0), Source: "openstack", ID: "ignored"}
	}
	if ok, why := CompareSamples(golden.([]any), []processors.Sample{s("a", int64(1)), s("b", int64(2))}); !ok {
		t.Errorf("equal samples differ: %s", why)
	}
	if ok, _ := CompareSamples(golden.([]any), []processors.Sample{s("a", int64(1)), s("b", int64(3))}); ok {
		t.Errorf("different volumes compare equal")
	}
}
