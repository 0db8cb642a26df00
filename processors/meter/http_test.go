package meter

import (
	"strings"
	"testing"
)

// Ported from ceilometer/tests/unit/test_middleware.py.

func TestHTTPNotificationsMakeOneRequestSample(t *testing.T) {
	for _, name := range []string{"HTTP_REQUEST", "HTTP_RESPONSE"} {
		n := fixture(t, name)
		got, err := (&httpEndpoint{source: "openstack"}).appendSamples(nil, n)
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v, %v", name, got, err)
		}
		s := got[0]
		if s.UserID != "jd-x32" || s.ProjectID != "project-id" || s.ResourceID != "nova" || s.Volume != int64(1) ||
			s.Type != "delta" || s.Name != n.EventType || s.Unit != strings.Split(n.EventType, ".")[1] {
			t.Errorf("%s: %+v", name, s)
		}
		if get(t, s.ResourceMetadata, "host") != "compute.vagrant-precise" || get(t, s.ResourceMetadata, "event_type") != n.EventType {
			t.Errorf("%s: metadata %s", name, jsonOf(s.ResourceMetadata))
		}
	}
}

func TestHTTPEndpointFailures(t *testing.T) {
	e, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ eventType, payload, want string }{
		{"http.request", `{"x": 1}`, `sample endpoint http.request: event type "http.request": KeyError: 'request'`},
		{"http.response", `{"request": "x"}`, "AttributeError"},
		{"httpXrequest", `{"request": {}}`, "IndexError"},
	} {
		n := notification(t, `{"event_type": "`+tc.eventType+`", "publisher_id": "p", "ctxt": {},
			"metadata": {"message_id": "m", "timestamp": "2026-01-01T00:00:00"}, "payload": `+tc.payload+`}`)
		got, errs := e.Samples(n)
		if len(got) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
			t.Errorf("%s %s: %v, %v; want %s", tc.eventType, tc.payload, got, errs, tc.want)
		}
	}
}
