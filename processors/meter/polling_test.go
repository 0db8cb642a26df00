package meter

import (
	"strings"
	"testing"
)

const pollingNotification = `{"event_type": "telemetry.polling", "publisher_id": "ceilometer.polling", "ctxt": {},
	"metadata": {"message_id": "m", "timestamp": "2026-01-01 00:00:00"}, "payload": PAYLOAD}`

func pollingSample(fields string) string {
	return `{"counter_name": "cpu", "counter_type": "cumulative", "counter_unit": "ns", "counter_volume": 10,
		"user_id": "u", "project_id": "p", "resource_id": "r", "timestamp": "2026-01-01T00:00:00+00:00",
		"resource_metadata": {"host": "h"}, "source": "openstack", "message_id": "id-1"` + fields + `}`
}

func TestPolledSamplesArePublishedAsSent(t *testing.T) {
	n := notification(t, strings.Replace(pollingNotification, "PAYLOAD",
		`{"samples": [`+pollingSample("")+`, `+strings.Replace(pollingSample(""), `"counter_volume": 10`, `"counter_volume": null`, 1)+`]}`, 1))
	got, err := (&telemetryEndpoint{source: "openstack"}).appendSamples(nil, n)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v, %v; want one sample (the other has no volume)", got, err)
	}
	s := got[0]
	if s.Name != "cpu" || s.Type != "cumulative" || s.Unit != "ns" || s.Volume != int64(10) || s.UserID != "u" ||
		s.ProjectID != "p" || s.ResourceID != "r" || s.Timestamp != "2026-01-01T00:00:00+00:00" ||
		s.Source != "openstack" || s.ID != "id-1" || jsonOf(s.ResourceMetadata) != `{"host":"h"}` {
		t.Errorf("sample %+v", s)
	}
}

func TestPolledSampleDefaults(t *testing.T) {
	n := notification(t, strings.Replace(pollingNotification, "PAYLOAD", `{"samples": [`+
		strings.NewReplacer(`"source": "openstack"`, `"source": ""`, `"resource_metadata": {"host": "h"}`, `"resource_metadata": null`).Replace(pollingSample(""))+`]}`, 1))
	got, err := (&telemetryEndpoint{source: "mysource"}).appendSamples(nil, n)
	if err != nil || len(got) != 1 || got[0].Source != "mysource" || jsonOf(got[0].ResourceMetadata) != "{}" {
		t.Errorf("%+v, %v; want the configured source and empty metadata", got, err)
	}
}

func TestPolledSampleWithoutAKeyFailsTheNotification(t *testing.T) {
	for _, tc := range []struct{ payload, want string }{
		{`{}`, "KeyError: 'samples'"},
		{`{"samples": [` + pollingSample("") + `, {"counter_name": "x"}]}`, "KeyError: 'counter_type'"},
		{`{"samples": 5}`, "TypeError"},
		{`{"samples": ["x"]}`, "TypeError"},
		{`[1]`, "TypeError"},
	} {
		n := notification(t, strings.Replace(pollingNotification, "PAYLOAD", tc.payload, 1))
		got, err := (&telemetryEndpoint{source: "openstack"}).appendSamples(nil, n)
		if len(got) != 0 || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("payload %s: %v, %v; want no samples and %s", tc.payload, got, err, tc.want)
		}
	}
}
