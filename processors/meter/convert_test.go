package meter

import (
	"errors"
	"strings"
	"testing"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// Tests ported from ceilometer/tests/unit/meter/test_notifications.py; the
// notifications are that file's NOTIFICATION, USER_META, MIDDLEWARE_EVENT,
// FULL_MULTI_MSG and METRICS_UPDATE.

const testDefinition = `
metric:
  - name: test1
    event_type: test.create
    type: delta
    unit: B
    volume: $.payload.volume
    resource_id: $.payload.resource_id
    project_id: $.payload.project_id
`

func TestJSONPathValuesAreTakenFromTheNotification(t *testing.T) {
	e := mustLoad(t, testDefinition)
	got := samples(t, e, fixture(t, "NOTIFICATION"))
	if len(got) != 1 {
		t.Fatalf("got %d samples, want 1", len(got))
	}
	s := got[0]
	if s.Name != "test1" || s.Volume != 1.0 || s.ResourceID != "bea70e51c7340cb9d555b15cbfcaec23" ||
		s.ProjectID != "30be1fc9a03c4e94ab05c403a8a377f2" || s.Type != "delta" || s.Unit != "B" || s.Source != "openstack" {
		t.Errorf("sample = %+v", s)
	}
	if s.Timestamp != "2015-06-19T09:19:35.786893+00:00" {
		t.Errorf("timestamp = %q, want the notification's, made aware", s.Timestamp)
	}
	// Ceilometer's context fallbacks (ctxt.user_id|ctxt.user) parse as
	// ctxt.(user_id|ctxt).user and find nothing in this context.
	if s.UserID != nil {
		t.Errorf("user_id = %v, want None", s.UserID)
	}
}

func TestEveryMatchingDefinitionMakesASample(t *testing.T) {
	e := mustLoad(t, testDefinition+`
  - name: test2
    event_type: test.create
    type: delta
    unit: B
    volume: $.payload.volume
    resource_id: $.payload.resource_id
`)
	got := samples(t, e, fixture(t, "NOTIFICATION"))
	names := map[string]bool{}
	for _, s := range got {
		names[s.Name] = true
	}
	if len(got) != 2 || !names["test1"] || !names["test2"] {
		t.Errorf("got %v, want test1 and test2", got)
	}
}

func TestEventTypeIsAPythonRegexMatchedAtTheStart(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    int
	}{
		{"test.create", 1},
		{"test.*", 1},
		{"test.update", 0},
		{"create", 0},            // re.match: anchored at the start
		{"test.creat", 1},        // but not at the end
		{"test(?!\\.create)", 0}, // negative lookahead, as the shipped instance meters use
		{"(?P<svc>test)\\.(?P=svc)?create", 1},
		{"test\\.create\\Z", 1},
	} {
		e := mustLoad(t, strings.Replace(testDefinition, "event_type: test.create", "event_type: '"+tc.pattern+"'", 1))
		if got := samples(t, e, fixture(t, "NOTIFICATION")); len(got) != tc.want {
			t.Errorf("event_type %q: got %d samples, want %d", tc.pattern, len(got), tc.want)
		}
	}
}

func TestCustomTimestamp(t *testing.T) {
	e := mustLoad(t, `
metric:
  - name: compute.node.cpu.frequency
    event_type: compute.metrics.update
    type: gauge
    unit: ns
    volume: $.payload.metrics[?(@.name='cpu.frequency')].value
    resource_id: "'prefix-' + $.payload.nodename"
    timestamp: $.payload.metrics[?(@.name='cpu.frequency')].timestamp
`)
	got := samples(t, e, fixture(t, "METRICS_UPDATE"))
	if len(got) != 1 {
		t.Fatalf("got %d samples", len(got))
	}
	if got[0].Timestamp != "2013-07-29T06:51:34.472416+00:00" || got[0].ResourceID != "prefix-tianst.sh.intel.com" || got[0].Volume != int64(1600) {
		t.Errorf("sample = %+v", got[0])
	}
}

func TestArithmeticExpressions(t *testing.T) {
	e := mustLoad(t, `
metric:
  - name: compute.node.cpu.percent
    event_type: compute.metrics.update
    type: gauge
    unit: percent
    volume: $.payload.metrics[?(@.name='cpu.percent')].value * 100
    resource_id: $.payload.host + '_' + $.payload.nodename
`)
	got := samples(t, e, fixture(t, "METRICS_UPDATE"))
	if len(got) != 1 || got[0].Volume != 2.7501485834103514 || got[0].ResourceID != "tianst_tianst.sh.intel.com" {
		t.Errorf("got %+v", got)
	}
}

func TestTimedeltaPluginVolume(t *testing.T) {
	e := mustLoad(t, `
metric:
  - name: test1
    event_type: test.*
    type: gauge
    unit: sec
    volume:
      fields: [$.payload.created_at, $.payload.launched_at]
      plugin: timedelta
    resource_id: $.payload.resource_id
`)
	got := samples(t, e, fixture(t, "NOTIFICATION"))
	if len(got) != 1 || got[0].Volume != 5.0 {
		t.Errorf("got %+v, want volume 5.0", got)
	}
}

const multiMeter = `
metric:
  - name: $.payload.measurements.[*].metric.[*].name
    event_type: objectstore.http.request
    type: delta
    unit: $.payload.measurements.[*].metric.[*].unit
    volume: $.payload.measurements.[*].result
    resource_id: $.payload.target_id
    project_id: $.payload.initiator.project_id
    lookup: LOOKUP
`

func TestLookupMakesOneSamplePerValue(t *testing.T) {
	e := mustLoad(t, strings.Replace(multiMeter, "LOOKUP", "[name, volume, unit]", 1))
	got := samples(t, e, fixture(t, "MIDDLEWARE_EVENT"))
	if len(got) != 2 {
		t.Fatalf("got %d samples, want 2", len(got))
	}
	if got[0].Name != "storage.objects.outgoing.bytes" || got[0].Volume != int64(28) || got[0].Unit != "B" ||
		got[1].Name != "storage.objects.incoming.bytes" || got[1].Volume != int64(1) || got[1].Unit != "B" {
		t.Errorf("got %+v", got)
	}
	if got[0].Timestamp != "2013-07-29T06:51:34.474815+00:00" {
		t.Errorf("timestamp = %q", got[0].Timestamp)
	}
}

func TestLookupEdgeCases(t *testing.T) {
	middleware := func(t *testing.T, edit func(*jsonv.Object)) *processors.Notification {
		n := fixture(t, "MIDDLEWARE_EVENT")
		edit(n.Payload.(*jsonv.Object))
		return n
	}
	measurements := func(p *jsonv.Object) []any { v, _ := p.Get("measurements"); return v.([]any) }
	for _, tc := range []struct {
		name   string
		lookup string
		edit   func(*jsonv.Object)
		want   int
	}{
		{"single measurement", `["name", "unit"]`, func(p *jsonv.Object) { p.Set("measurements", measurements(p)[:1]) }, 1},
		{"no measurements", "name", func(p *jsonv.Object) { p.Delete("measurements") }, 0},
		// A lookup attribute with fewer values than names: nothing, with a warning.
		{"volumes missing", `["name", "unit", "volume"]`, func(p *jsonv.Object) {
			for _, m := range measurements(p) {
				m.(*jsonv.Object).Delete("result")
			}
		}, 0},
		{"one volume short", `["name", "unit", "volume"]`, func(p *jsonv.Object) {
			measurements(p)[0].(*jsonv.Object).Delete("result")
		}, 0},
		// A non-lookup attribute with one value is repeated.
		{"volume not looked up", `["name", "unit"]`, func(p *jsonv.Object) {
			measurements(p)[0].(*jsonv.Object).Delete("result")
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustLoad(t, strings.Replace(multiMeter, "LOOKUP", tc.lookup, 1))
			if got := samples(t, e, middleware(t, tc.edit)); len(got) != tc.want {
				t.Errorf("got %d samples, want %d: %+v", len(got), tc.want, got)
			}
		})
	}
}

func TestLookupOfEveryAttribute(t *testing.T) {
	e := mustLoad(t, `
metric:
  - name: $.payload.[*].counter_name
    event_type: full.sample
    type: $.payload.[*].counter_type
    unit: $.payload.[*].counter_unit
    volume: $.payload.[*].counter_volume
    resource_id: $.payload.[*].resource_id
    project_id: $.payload.[*].project_id
    user_id: $.payload.[*].user_id
    lookup: [name, type, unit, volume, resource_id, project_id, user_id]
`)
	got := samples(t, e, fixture(t, "FULL_MULTI_MSG"))
	want := []processors.Sample{
		{Name: "instance1", Type: "gauge", Unit: "ns", Volume: 28.0, UserID: "user1", ProjectID: "proj1", ResourceID: "res1"},
		{Name: "instance2", Type: "delta", Unit: "%", Volume: 1.0, UserID: "user2", ProjectID: "proj2", ResourceID: "res2"},
	}
	if len(got) != 2 {
		t.Fatalf("got %d samples", len(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.Name || g.Type != w.Type || g.Unit != w.Unit || g.Volume != w.Volume ||
			g.UserID != w.UserID || g.ProjectID != w.ProjectID || g.ResourceID != w.ResourceID {
			t.Errorf("sample %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestLookupWithAConstantFailsTheEndpoint(t *testing.T) {
	// Ceilometer assigns the constant and then takes its len(): TypeError,
	// on every notification the definition matches.
	e, _ := loadFiles(t, map[string]string{"m.yaml": strings.Replace(
		strings.Replace(multiMeter, "LOOKUP", "[name, unit]", 1), "volume: $.payload.measurements.[*].result", "volume: 1", 1)})
	got, errs := e.Samples(fixture(t, "MIDDLEWARE_EVENT"))
	if len(got) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "has no len()") {
		t.Errorf("got %v, %v", got, errs)
	}
}

func TestEndpointErrorDropsEveryMeterSampleOfTheNotification(t *testing.T) {
	e := mustLoad(t, testDefinition+`
  - name: test.bad.timestamp
    event_type: test.create
    type: delta
    unit: B
    volume: 1
    resource_id: x
    timestamp: $.payload.source
`)
	got, errs := e.Samples(fixture(t, "NOTIFICATION"))
	var ee *EndpointError
	if len(got) != 0 || len(errs) != 1 || !errors.As(errs[0], &ee) || ee.Endpoint != "meter" {
		t.Errorf("got %v, %v; want no samples and one meter error", got, errs)
	}
}

func TestVolumesThatAreNotNumbersAreDropped(t *testing.T) {
	e := mustLoad(t, `
metric:
  - name: v
    event_type: test.create
    type: gauge
    unit: B
    volume: $.payload.v
    resource_id: x
`)
	for _, tc := range []struct {
		volume string
		kept   bool
	}{
		{`1`, true}, {`1.5`, true}, {`true`, true}, {`"8192"`, true}, {`" 1_000 "`, true}, {`"nan"`, true},
		{`null`, false}, {`"abc"`, false}, {`[]`, false}, {`{}`, false}, {`""`, false},
	} {
		n := notification(t, `{"event_type": "test.create", "publisher_id": "p", "ctxt": {},
			"metadata": {"message_id": "m", "timestamp": "2026-01-01 00:00:00"}, "payload": {"v": `+tc.volume+`}}`)
		got := samples(t, e, n)
		if (len(got) == 1) != tc.kept {
			t.Errorf("volume %s: got %d samples, kept = %v", tc.volume, len(got), tc.kept)
		}
		if tc.kept && tc.volume == `"8192"` && got[0].Volume != "8192" {
			t.Errorf("volume %s became %#v, want the string kept", tc.volume, got[0].Volume)
		}
	}
}

func TestIdentityAuthenticateNameIsTheIntendedOne(t *testing.T) {
	e, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ payload, want string }{
		{`{"outcome": "success", "initiator": {"id": "u"}}`, "identity.authenticate.success"},
		{`{"initiator": {"id": "u"}}`, "identity.authenticate.None"},
	} {
		n := notification(t, `{"event_type": "identity.authenticate", "publisher_id": "identity.host", "ctxt": {},
			"metadata": {"message_id": "m", "timestamp": "2026-01-01T00:00:00Z"}, "payload": `+tc.payload+`}`)
		got := samples(t, e, n)
		if len(got) != 1 || got[0].Name != tc.want {
			t.Errorf("payload %s: got %+v, want %s", tc.payload, got, tc.want)
		}
	}
}

func TestOnlyInfoAndSamplePrioritiesMakeSamples(t *testing.T) {
	e := mustLoad(t, testDefinition)
	for _, p := range []string{"info", "sample", "error", "warn", "audit", "debug", "critical"} {
		n := fixture(t, "NOTIFICATION")
		n.Priority = p
		got, errs := e.Samples(n)
		if want := p == "info" || p == "sample"; (len(got) == 1) != want || errs != nil {
			t.Errorf("priority %s: got %v, %v", p, got, errs)
		}
	}
}

func TestContextFallbacksFollowCeilometersParse(t *testing.T) {
	e := mustLoad(t, testDefinition)
	for _, tc := range []struct {
		ctxt string
		user any
	}{
		{`{"user_id": "a", "user": "b"}`, nil},
		{`{"user_id": {"user": "nested"}}`, "nested"},
		{`{"ctxt": {"user": "u"}}`, "u"},
	} {
		n := fixture(t, "NOTIFICATION")
		c, err := jsonv.ParseString(tc.ctxt)
		if err != nil {
			t.Fatal(err)
		}
		n.Doc.Set("ctxt", c)
		got := samples(t, e, n)
		if len(got) != 1 || got[0].UserID != tc.user {
			t.Errorf("ctxt %s: user_id %v, want %v", tc.ctxt, got[0].UserID, tc.user)
		}
	}
	// Without project_id in the definition, the fallback shows.
	e = mustLoad(t, strings.Replace(testDefinition, "    project_id: $.payload.project_id\n", "", 1))
	n := fixture(t, "NOTIFICATION")
	c, _ := jsonv.ParseString(`{"ctxt": {"user": "u", "tenant_id": "t"}, "project_id": "ignored"}`)
	n.Doc.Set("ctxt", c)
	if got := samples(t, e, n); len(got) != 1 || got[0].ProjectID != "t" || got[0].UserID != "u" {
		t.Errorf("got %+v, want user u and project t from ctxt.ctxt", got)
	}
}
