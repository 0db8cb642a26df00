package sinks

import (
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"meterflow/internal/gnocchitest"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// newOfflineGnocchi builds a sink that is never asked to talk to Gnocchi.
func newOfflineGnocchi(t *testing.T, raw string) *Gnocchi {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewGnocchi(u, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s.(*Gnocchi)
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := jsonv.ParseString(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func assertJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if !jsonv.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, jsonv.Marshal(got), jsonv.Marshal(want))
	}
}

// The differential test: for every case of the golden corpus, the batch,
// the resources to create and their attributes are what Ceilometer 19's
// publisher sends (recorded by internal/gnocchitest/testdata/gen_golden.py).
func TestGnocchiPlan_SendsWhatCeilometerSendsForTheCorpus(t *testing.T) {
	g := newOfflineGnocchi(t, "gnocchi://127.0.0.1:1")
	golden := gnocchitest.GoldenGnocchi(t)
	var nSamples, nEvents int
	for _, c := range gnocchitest.Corpus(t) {
		want := golden[c.Name]
		if len(c.Samples) > 0 {
			if want.Samples == nil {
				t.Fatalf("%s: no golden record", c.Name)
			}
			nSamples++
			checkPlanAgainstGolden(t, c, g.plan(c.Samples), want.Samples)
		}
		if len(c.Events) > 0 {
			nEvents++
			checkEventsAgainstGolden(t, c, g, want.Events)
		}
	}
	if nSamples < 250 || nEvents < 600 {
		t.Fatalf("corpus too small: %d cases with samples, %d with events", nSamples, nEvents)
	}
}

func checkPlanAgainstGolden(t *testing.T, c gnocchitest.Case, p *samplePlan, want *jsonv.Object) {
	t.Helper()
	if msg, ok := want.Get("error"); ok {
		// Ceilometer fails the whole batch (sorting None resource ids);
		// meterflow rejects the samples without a string resource_id.
		for i, s := range c.Samples {
			_, isStr := s.ResourceID.(string)
			if _, rejected := p.rejected[i]; rejected == isStr {
				t.Errorf("%s: sample %d (resource_id %v): rejected %v; Ceilometer: %s", c.Name, i, s.ResourceID, rejected, msg)
			}
		}
		return
	}
	if len(p.rejected) > 0 {
		t.Errorf("%s: rejected %v", c.Name, p.rejected)
	}
	batch, _ := want.Get("batch")
	if batch == nil {
		if len(p.entries) > 0 {
			t.Errorf("%s: Ceilometer sends nothing, meterflow %s", c.Name, jsonv.Marshal(measuresBody(p.entries)))
		}
		return
	}
	assertJSON(t, c.Name+": batch", measuresBody(p.entries), batch)
	creates, _ := want.Get("creates")
	if n := len(creates.([]any)); n != len(p.resources) {
		t.Errorf("%s: %d resources, Ceilometer creates %d", c.Name, len(p.resources), n)
	}
	for _, cr := range creates.([]any) {
		pair := cr.([]any)
		body := pair[1].(*jsonv.Object)
		id, _ := body.Get("id")
		r := p.resources[jsonv.PyStr(id)]
		if r == nil {
			t.Errorf("%s: no resource %v", c.Name, id)
			continue
		}
		if r.resourceType != pair[0] {
			t.Errorf("%s: resource %v is a %s, Ceilometer: %v", c.Name, id, r.resourceType, pair[0])
		}
		assertJSON(t, c.Name+": create body", r.createBody(), body)
	}
	updates, _ := want.Get("updates")
	withAttrs := 0
	for _, r := range p.resources {
		if r.attrs.Len() > 0 {
			withAttrs++
		}
	}
	if n := len(updates.([]any)); n != withAttrs {
		t.Errorf("%s: %d resources with attributes, Ceilometer updates %d", c.Name, withAttrs, n)
	}
	for _, up := range updates.([]any) {
		triple := up.([]any)
		r := p.resources[jsonv.PyStr(triple[1])]
		if r == nil {
			t.Errorf("%s: no resource %v to update", c.Name, triple[1])
			continue
		}
		assertJSON(t, c.Name+": update body", r.attrs, triple[2])
	}
}

// checkEventsAgainstGolden replays publish_events' decisions: the
// resource creations, the updates (ended_at for deletes) and the searches
// for associated resources.
func checkEventsAgainstGolden(t *testing.T, c gnocchitest.Case, g *Gnocchi, want *jsonv.Object) {
	t.Helper()
	creates, updates, searches := []any{}, []any{}, []any{}
	for i := range c.Events {
		e := &c.Events[i]
		d, op := g.resources.forEvent(e.EventType)
		if d == nil {
			continue
		}
		attrs := d.eventAttributes(e)
		rt, _ := attrs.Get("type")
		id, _ := attrs.Get("id")
		rest := jsonv.Clone(attrs).(*jsonv.Object)
		rest.Delete("type")
		switch op {
		case eventCreate:
			creates = append(creates, []any{rt, rest})
		case eventDelete:
			ended := jsonv.NewObject(1)
			ended.Set("ended_at", "<now>")
			updates = append(updates, []any{rt, id, ended})
			for _, a := range d.associated {
				searches = append(searches, []any{a.resourceType, mustJSON(t, associatedQuery(a.query, id))})
			}
		case eventUpdate:
			rest.Delete("id")
			updates = append(updates, []any{rt, id, rest})
		}
	}
	got := jsonv.NewObject(3)
	got.Set("creates", creates)
	got.Set("searches", searches)
	got.Set("updates", updates)
	if want == nil {
		if len(creates)+len(updates)+len(searches) > 0 {
			t.Errorf("%s: Ceilometer does nothing with the events, meterflow %s", c.Name, jsonv.Marshal(got))
		}
		return
	}
	assertJSON(t, c.Name+": events", got, want)
}

func parseResources(t *testing.T, yaml string) *gnocchiResources {
	t.Helper()
	r, err := parseGnocchiResources([]byte(yaml), "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGnocchiResources_MetricsTakeTheDefaultArchivePolicyUnlessTheyNameOne(t *testing.T) {
	r := parseResources(t, `
archive_policy_default: medium
resources:
  - resource_type: instance
    metrics:
      memory:
      cpu:
        archive_policy_name: high
  - resource_type: ipmi_sensor
    metrics:
      - hardware.ipmi.power
`)
	for metric, want := range map[string]string{"memory": "medium", "cpu": "high", "hardware.ipmi.power": "medium"} {
		if got := r.byMetric[metric].metrics[metric]; got != want {
			t.Errorf("%s: archive policy %q, want %q", metric, got, want)
		}
	}
}

func TestGnocchiResources_DefaultArchivePolicyIsCeilometerLow(t *testing.T) {
	r := parseResources(t, "resources: [{resource_type: stack, metrics: [stack.create]}]")
	if got := r.byMetric["stack.create"].metrics["stack.create"]; got != "ceilometer-low" {
		t.Fatalf("got %q", got)
	}
}

func TestGnocchiResources_ArchivePolicyOptionOverridesEveryMetricButTheDeprecatedResourceLevelOne(t *testing.T) {
	r, err := parseGnocchiResources([]byte(`
resources:
  - resource_type: instance
    metrics:
      cpu: {archive_policy_name: ceilometer-low-rate}
  - resource_type: stack
    archive_policy: legacy
    metrics: [stack.create]
`), "low")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.byMetric["cpu"].metrics["cpu"]; got != "low" {
		t.Errorf("cpu: %q, want the override", got)
	}
	if got := r.byMetric["stack.create"].metrics["stack.create"]; got != "legacy" {
		t.Errorf("stack.create: %q, want the resource type's archive_policy", got)
	}
}

func TestGnocchiResources_AMetricOfTwoDefinitionsBelongsToTheLast(t *testing.T) {
	r := parseResources(t, `
resources:
  - {resource_type: first, metrics: [shared]}
  - {resource_type: second, metrics: [shared]}
`)
	if got := r.byMetric["shared"].resourceType; got != "second" {
		t.Fatalf("got %s", got)
	}
}

func TestGnocchiResources_MetricNamesMatchExactly(t *testing.T) {
	r, err := loadGnocchiResources("", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cpu", "disk.device.read.bytes", "hardware.ipmi.temperature"} {
		if r.byMetric[name] == nil {
			t.Errorf("%s is not mapped", name)
		}
	}
	for _, name := range []string{"cpu.delta", "cpu_util", "http.request", "disk.device.*"} {
		if r.byMetric[name] != nil {
			t.Errorf("%s is mapped to %s", name, r.byMetric[name].resourceType)
		}
	}
}

func sampleWithMetadata(t *testing.T, md string) *processors.Sample {
	return &processors.Sample{Name: "memory", Type: "gauge", Unit: "MB", Volume: int64(512),
		UserID: "u", ProjectID: "p", ResourceID: "inst-1", Timestamp: "2026-11-02T10:00:00+00:00",
		ResourceMetadata: mustJSON(t, md), Source: "openstack", ID: "id-1"}
}

func TestGnocchiResources_AttributesTakeTheFirstNonNullMatchAndSkipMissingOnes(t *testing.T) {
	r := parseResources(t, `
resources:
  - resource_type: instance
    metrics: [memory]
    attributes:
      host: resource_metadata.(instance_host|host)
      flavor_id: resource_metadata.(instance_flavor_id|(flavor.id)|flavor_id)
      display_name: resource_metadata.display_name
      server_group: resource_metadata.user_metadata.server_group
      fixed: 7
      listed: [resource_metadata.nope, resource_metadata.image_ref]
      source: source
`)
	d := r.byMetric["memory"]
	cases := []struct {
		name, md, want string
	}{
		{"first alternative wins", `{"instance_host": "h1", "host": "h2", "flavor": {"id": "f1"}}`,
			`{"host": "h1", "flavor_id": "f1", "fixed": 7, "source": "openstack"}`},
		{"null falls through to the next alternative", `{"instance_host": null, "host": "h2", "flavor_id": "f3", "display_name": null}`,
			`{"host": "h2", "flavor_id": "f3", "fixed": 7, "source": "openstack"}`},
		{"nested paths and list unions", `{"user_metadata": {"server_group": "g"}, "image_ref": "img"}`,
			`{"server_group": "g", "fixed": 7, "listed": "img", "source": "openstack"}`},
		{"values keep their JSON type", `{"host": 5, "display_name": {"a": [1]}}`,
			`{"host": 5, "display_name": {"a": [1]}, "fixed": 7, "source": "openstack"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.sampleAttributes(sampleWithMetadata(t, c.md))
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, "attributes", got, mustJSON(t, c.want))
		})
	}
}

func TestGnocchiResources_EventsMatchCreateThenDeleteThenUpdatePatterns(t *testing.T) {
	r := parseResources(t, `
resources:
  - resource_type: volume
    metrics: [volume.size]
    event_create: volume.*
    event_delete: [volume.delete.end, snapshot.delete.end]
    event_update: snapshot.*
    event_attributes: {id: resource_id, project_id: project_id}
  - resource_type: image
    metrics: [image.size]
    event_delete: snapshot.delete.end
    event_attributes: {id: resource_id}
`)
	for _, c := range []struct {
		eventType, resourceType string
		op                      eventOp
	}{
		{"volume.delete.end", "volume", eventCreate}, // create patterns come first
		{"snapshot.delete.end", "volume", eventDelete},
		{"snapshot.update.end", "volume", eventUpdate},
		{"image.delete", "", eventNone},
	} {
		d, op := r.forEvent(c.eventType)
		gotType := ""
		if d != nil {
			gotType = d.resourceType
		}
		if gotType != c.resourceType || op != c.op {
			t.Errorf("%s: %q %v, want %q %v", c.eventType, gotType, op, c.resourceType, c.op)
		}
	}
}

func TestGnocchiResources_EventAttributesComeFromTraitsLeavingNullsOut(t *testing.T) {
	r := parseResources(t, `
resources:
  - resource_type: instance
    metrics: [memory]
    event_delete: compute.instance.delete.start
    event_attributes: {id: instance_id, host: host, flavor_id: instance_type_id, user_id: user_id}
`)
	e := &processors.Event{EventType: "compute.instance.delete.start", Traits: []processors.Trait{
		{Name: "instance_id", Type: processors.TraitText, Value: "i-1"},
		{Name: "host", Type: processors.TraitText, Value: nil},
		{Name: "instance_type_id", Type: processors.TraitInt, Value: int64(3)},
	}}
	d, _ := r.forEvent(e.EventType)
	assertJSON(t, "attributes", d.eventAttributes(e), mustJSON(t, `{"type": "instance", "id": "i-1", "flavor_id": 3}`))
}

func TestGnocchiResources_AssociatedQueriesFormatTheIdAsPythonsPercentOperator(t *testing.T) {
	for _, c := range []struct {
		query string
		id    any
		want  string
	}{
		{`{"=": {"instance_id": "%s"}}`, "i-1", `{"=": {"instance_id": "i-1"}}`},
		{`{"like": {"name": "%s%%"}}`, "vm", `{"like": {"name": "vm%"}}`},
		{`{"=": {"n": %s}}`, int64(5), `{"=": {"n": 5}}`},
	} {
		if got := associatedQuery(c.query, c.id); got != c.want {
			t.Errorf("%s %% %v = %s, want %s", c.query, c.id, got, c.want)
		}
	}
}

func TestGnocchiResources_ShippedFileLoadsEveryDefinition(t *testing.T) {
	r, err := loadGnocchiResources("", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.defs) != 20 || len(r.archivePolicies) != 4 {
		t.Fatalf("%d definitions, %d archive policies", len(r.defs), len(r.archivePolicies))
	}
	inst := r.byMetric["cpu"]
	if inst.resourceType != "instance" || inst.metrics["cpu"] != "ceilometer-low-rate" || len(inst.associated) != 2 {
		t.Fatalf("cpu: %+v", inst)
	}
}

func TestGnocchiResources_InvalidFilesFailWithTheirLine(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"missing resource_type", "resources:\n  - metrics: [a]\n", "2: required field resource_type"},
		{"missing metrics", "resources:\n  - resource_type: x\n", "2: required field metrics"},
		{"metrics of the wrong kind", "resources:\n  - resource_type: x\n    metrics: 5\n", "3: metrics must be"},
		{"bad JSONPath", "resources:\n  - resource_type: x\n    metrics: [a]\n    attributes:\n      n: 'resource_metadata.[('\n", "5: attribute n: parse error"},
		{"trait plugin", "resources:\n  - resource_type: x\n    metrics: [a]\n    attributes:\n      n:\n        fields: a\n        plugin: split\n", "6: attribute n: trait plugins are not supported"},
		{"events without an id", "resources:\n  - resource_type: x\n    metrics: [a]\n    event_delete: x.delete\n    event_attributes: {name: n}\n", "2: resource type x handles events"},
		{"archive policy without a name", "archive_policies:\n  - {back_window: 0}\n", "2: an archive policy needs a name"},
		{"YAML syntax", "resources: [\n", "yaml:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseGnocchiResources([]byte(c.yaml), "")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestGnocchiResources_AnUnreadableFileIsAnInvalidURL(t *testing.T) {
	u, _ := url.Parse("gnocchi://h?resources_definition_file=/nonexistent/gnocchi_resources.yaml")
	_, err := NewGnocchi(u, Options{})
	if !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("got %v", err)
	}
}
