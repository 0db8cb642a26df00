package event

import (
	"reflect"
	"testing"
)

// definitionFor loads a single definition with the given event_type (YAML).
func definitionFor(t *testing.T, eventType string) *definition {
	t.Helper()
	c := mustParse(t, "- event_type: "+eventType+"\n  traits: {}\n", WithDropUnmatched(true))
	if len(c.defs) != 1 {
		t.Fatalf("%d definitions", len(c.defs))
	}
	return c.defs[0]
}

func TestEventTypeGlobsAndExclusions(t *testing.T) {
	for _, tc := range []struct {
		name, eventType string
		match, noMatch  []string
	}{
		{"string", `test.thing`, []string{"test.thing"}, []string{"random.thing", "test.thing.x"}},
		{"list", `[test.thing, other.thing]`, []string{"test.thing", "other.thing"}, []string{"random.thing"}},
		{"exclusion only", `"!test.thing"`, []string{"random.thing", ""}, []string{"test.thing"}},
		{"exclusions only", `["!test.thing", "!other.thing"]`, []string{"random.thing"}, []string{"test.thing", "other.thing"}},
		{"mixed", `["*.thing", "!test.thing", "!other.thing"]`, []string{"random.thing"},
			[]string{"test.thing", "other.thing", "random.whatzit"}},
		{"star", `"compute.instance.*"`, []string{"compute.instance.create.start", "compute.instance."}, []string{"compute.instance", "image.upload"}},
		{"start and end but not scheduler", `["*.start", "*.end", "!scheduler.*"]`,
			[]string{"compute.instance.create.start", "image.delete.end"}, []string{"compute.instance.exists", "scheduler.run_instance.start"}},
		{"all but image", `"!image.*"`, []string{"compute.instance.exists"}, []string{"image.upload"}},
		{"question mark", `"volume.?"`, []string{"volume.a"}, []string{"volume.", "volume.ab"}},
		{"sets", `"[ab]x.[!0-9]"`, []string{"ax.y", "bx.-"}, []string{"cx.y", "ax.5"}},
		{"case sensitive", `"Compute.*"`, []string{"Compute.x"}, []string{"compute.x"}},
		{"empty list matches nothing", `[]`, nil, []string{"", "x"}},
		{"event types are matched whole", `"*http.*"`, []string{"http.request", "foo.http.response"}, []string{"https.request"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := definitionFor(t, tc.eventType)
			for _, et := range tc.match {
				if !d.matches(et) {
					t.Errorf("%s does not match %q", tc.eventType, et)
				}
			}
			for _, et := range tc.noMatch {
				if d.matches(et) {
					t.Errorf("%s matches %q", tc.eventType, et)
				}
			}
		})
	}
}

func TestCatchAllIsStarWithoutExclusions(t *testing.T) {
	for eventType, want := range map[string]bool{
		`["*.thing", "!test.thing", "!other.thing"]`: false,
		`["!other.thing"]`:                           false,
		`["other.thing"]`:                            false,
		`["*", "!other.thing"]`:                      false,
		`["*"]`:                                      true,
		`["*", "foo"]`:                               true,
		`"**"`:                                       false,
	} {
		if got := definitionFor(t, eventType).catchAll; got != want {
			t.Errorf("%s: catch-all %v, want %v", eventType, got, want)
		}
	}
}

func TestDefaultTraitsComeFirstAndCanBeReplaced(t *testing.T) {
	c := mustParse(t, `
		- event_type: test.thing
		  traits:
		    host: {fields: payload.host}
		    project_id: {fields: payload.project}
		    instance_id: {type: text, fields: [payload.instance_uuid, payload.instance_id]}
		`, WithDropUnmatched(true))
	e := mustEvent(t, c, testNotification(t, "test.thing", "m1",
		`{"host": "h", "project": "p", "tenant_id": "t", "user_id": "u", "instance_id": "i"}`))
	want := []string{"service", "project_id", "user_id", "tenant_id", "host", "instance_id"}
	if got := traitNames(e); !reflect.DeepEqual(got, want) {
		t.Errorf("traits %v, want %v", got, want)
	}
	if tr, _ := traitOf(e, "project_id"); tr.Value != "p" {
		t.Errorf("project_id %v, want the definition's own", tr.Value)
	}
	if tr, _ := traitOf(e, "tenant_id"); tr.Value != "t" {
		t.Errorf("tenant_id %v, want payload.tenant_id", tr.Value)
	}
}

func TestDefaultTraitsFallBackOnTheContext(t *testing.T) {
	c := mustParse(t, `[]`)
	n := notification(t, "info", `{"event_type": "x", "publisher_id": "compute.h1",
		"ctxt": {"request_id": "req-1", "project_id": "p-ctx", "user_id": "u-ctx"},
		"metadata": {"message_id": "m", "timestamp": "2026-11-02 10:01:07"}, "payload": {}}`)
	e := mustEvent(t, c, n)
	want := map[string]string{"service": "compute.h1", "request_id": "req-1", "project_id": "p-ctx", "user_id": "u-ctx", "tenant_id": "p-ctx"}
	for name, v := range want {
		if tr, ok := traitOf(e, name); !ok || tr.Value != v {
			t.Errorf("%s = %v, want %q", name, tr.Value, v)
		}
	}
	if got := traitNames(e); !reflect.DeepEqual(got, []string{"service", "request_id", "project_id", "user_id", "tenant_id"}) {
		t.Errorf("traits in order %v", got)
	}
}

func TestMergeKeysKeepPyYAMLOrder(t *testing.T) {
	c := mustParse(t, `
		- event_type: a
		  traits: &base
		    x: {fields: payload.x}
		    y: {fields: payload.y}
		- event_type: b
		  traits: &more
		    z: {fields: payload.z}
		    y: {fields: payload.other}
		- event_type: c
		  traits:
		    <<: [*base, *more]
		    w: {fields: payload.w}
		`)
	e := mustEvent(t, c, testNotification(t, "c", "m", `{"x": 1, "y": 2, "z": 3, "w": 4, "other": 5}`))
	// PyYAML merges the later mapping first, the earlier one wins on y.
	want := []string{"service", "z", "y", "x", "w"}
	if got := traitNames(e); !reflect.DeepEqual(got, want) {
		t.Errorf("traits %v, want %v", got, want)
	}
	if tr, _ := traitOf(e, "y"); tr.Value != "2" {
		t.Errorf("y = %v, want 2 (from the first merged mapping)", tr.Value)
	}
}
