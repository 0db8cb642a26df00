package meter

import (
	"strings"
	"testing"

	"meterflow/processors"
)

// Ported from ceilometer/tests/unit/ipmi/notifications/test_ironic.py, on
// its ipmi_test_data.

func ipmiSamples(t *testing.T, metric, fixtureName string) (map[any]processors.Sample, error) {
	t.Helper()
	got, err := newIPMIEndpoint(metric, "openstack").appendSamples(nil, fixture(t, fixtureName))
	byID := map[any]processors.Sample{}
	for _, s := range got {
		byID[s.ResourceID] = s
	}
	return byID, err
}

func TestIPMISensorReadings(t *testing.T) {
	for _, tc := range []struct {
		metric, id string
		count      int
		volume     float64
		unit       string
	}{
		{"Temperature", "f4982fd2-2f2b-4bb5-9aff-48aac801d1ad-dimm_gh_vr_temp_(0x3b)", 10, 26.0, "C"},
		{"Current", "f4982fd2-2f2b-4bb5-9aff-48aac801d1ad-avg_power_(0x2e)", 1, 130.0, "W"},
		{"Fan", "f4982fd2-2f2b-4bb5-9aff-48aac801d1ad-fan_4a_tach_(0x46)", 12, 6900.0, "RPM"},
		{"Voltage", "f4982fd2-2f2b-4bb5-9aff-48aac801d1ad-planar_vbat_(0x1c)", 4, 3.137, "V"},
	} {
		got, err := ipmiSamples(t, tc.metric, "SENSOR_DATA")
		if err != nil {
			t.Fatal(err)
		}
		s, ok := got[tc.id]
		if len(got) != tc.count || !ok {
			t.Fatalf("%s: %d samples (want %d), %s present: %v", tc.metric, len(got), tc.count, tc.id, ok)
		}
		if s.Volume != tc.volume || s.Unit != tc.unit || s.Type != "gauge" || s.Name != "hardware.ipmi."+strings.ToLower(tc.metric) {
			t.Errorf("%s: %+v", tc.metric, s)
		}
		if get(t, s.ResourceMetadata, "event_type") != "hardware.ipmi.metrics.update" ||
			get(t, s.ResourceMetadata, "node") != "f4982fd2-2f2b-4bb5-9aff-48aac801d1ad" {
			t.Errorf("%s: metadata %s", tc.metric, jsonOf(s.ResourceMetadata))
		}
		if s.Timestamp != "2017-07-07T15:54:12.169510+00:00" {
			t.Errorf("%s: timestamp %q, want the payload's", tc.metric, s.Timestamp)
		}
	}
}

func TestIPMIDisabledReadingsAreSkipped(t *testing.T) {
	got, _ := ipmiSamples(t, "Temperature", "SENSOR_DATA")
	if _, ok := got["f4982fd2-2f2b-4bb5-9aff-48aac801d1ad-mezz_card_temp_(0x35)"]; ok {
		t.Errorf("a Disabled reading made a sample")
	}
}

func TestIPMIInvalidSensorsAreSkipped(t *testing.T) {
	for _, name := range []string{"EMPTY_PAYLOAD", "MISSING_SENSOR", "BAD_SENSOR", "NO_NODE_ID", "NO_SENSOR_ID"} {
		got, err := ipmiSamples(t, "Temperature", name)
		if len(got) != 0 || err != nil {
			t.Errorf("%s: %d samples, error %v", name, len(got), err)
		}
	}
}

func TestIPMIUnexpectedShapesFailTheEndpoint(t *testing.T) {
	base := `{"event_type": "hardware.ipmi.metrics.update", "publisher_id": "p", "ctxt": {},
		"metadata": {"message_id": "m", "timestamp": "2026-01-01T00:00:00"}, "payload": `
	for _, tc := range []struct{ payload, want string }{
		{`{"node_uuid": "n", "event_type": "e", "payload": {"Temperature": {"s": {"Sensor ID": "a", "Sensor Reading": "1 C"}}}}`, "KeyError: 'timestamp'"},
		{`{"node_uuid": "n", "timestamp": "", "event_type": "e", "payload": {"Temperature": {"s": {"Sensor ID": "a", "Sensor Reading": "1 C"}}}}`, "KeyError: 'metadata'"},
		{`{"node_uuid": "n", "timestamp": "2026", "event_type": "e", "payload": {"Temperature": {"s": {"Sensor ID": "a", "Sensor Reading": 1}}}}`, "AttributeError"},
		{`{"node_uuid": "n", "timestamp": "2026", "event_type": "e", "payload": {"Temperature": {"s": "x"}}}`, "TypeError"},
		{`{"node_uuid": "n", "payload": {"Temperature": []}}`, "AttributeError"},
		{`[]`, "TypeError"},
	} {
		_, err := newIPMIEndpoint("Temperature", "openstack").appendSamples(nil, notification(t, base+tc.payload+"}"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("payload %s: error %v, want %s", tc.payload, err, tc.want)
		}
	}
}
