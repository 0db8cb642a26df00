package meter

import (
	"strings"
	"testing"
)

func compileOne(t *testing.T, yaml string) *Definition {
	t.Helper()
	e := mustLoad(t, "metric:\n  - "+strings.ReplaceAll(strings.TrimSpace(yaml), "\n", "\n    ")+"\n")
	if len(e.Definitions()) != 1 {
		t.Fatalf("%d definitions", len(e.Definitions()))
	}
	return e.Definitions()[0]
}

const baseFields = "name: m\nevent_type: a\ntype: gauge\nunit: B\nvolume: 1\nresource_id: x\n"

func TestFieldForms(t *testing.T) {
	for _, tc := range []struct {
		yaml, expr string
		constant   any
	}{
		{"resource_id: $.payload.id", "$.payload.id", nil},
		{"resource_id: [$.payload.id]", "$.payload.id", nil},
		{"resource_id: [$.payload.a, $.payload.b]", "($.payload.a)|($.payload.b)", nil},
		{"resource_id: [5]", "", int64(5)},
		{"resource_id: {fields: [$.a, $.b], plugin: split}", "($.a)|($.b)", nil},
		{"resource_id: {fields: 7, plugin: split}", "", int64(7)},
	} {
		d := compileOne(t, strings.Replace(baseFields, "resource_id: x\n", tc.yaml, 1))
		f := d.attrs[attrResourceID]
		if f.expr != tc.expr || (tc.constant != nil) != f.isConst || tc.constant != nil && f.constant != tc.constant {
			t.Errorf("%s: expr %q const %v %v", tc.yaml, f.expr, f.isConst, f.constant)
		}
	}
}

func TestLookupForms(t *testing.T) {
	for _, tc := range []struct {
		lookup string
		mode   bool
		names  []string
	}{
		{"lookup: name", true, []string{"name"}},
		{"lookup: ''", true, []string{""}}, // Python: [''] is truthy
		{"lookup: []", false, nil},
		{"lookup: [name, 5, unit]", true, []string{"name", "unit"}},
	} {
		d := compileOne(t, baseFields+tc.lookup)
		if d.lookupMode != tc.mode || strings.Join(d.lookup, ",") != strings.Join(tc.names, ",") {
			t.Errorf("%s: mode %v names %q", tc.lookup, d.lookupMode, d.lookup)
		}
	}
	// With "type" among the lookup attributes (for a string, anywhere in
	// it: Python's `'type' in "..."`), the type is not checked.
	compileOne(t, strings.Replace(baseFields, "type: gauge", "type: $.payload.t", 1)+"lookup: [name, type]")
	compileOne(t, strings.Replace(baseFields, "type: gauge", "type: $.payload.t", 1)+"lookup: prototype")
}

func TestMetadataForms(t *testing.T) {
	for _, md := range []string{"metadata: []", "metadata: ''", "metadata: {}"} {
		if d := compileOne(t, baseFields+md); len(d.metadata) != 0 {
			t.Errorf("%s: %d metadata fields", md, len(d.metadata))
		}
	}
	for _, md := range []string{"metadata: [a]", "metadata: abc", "metadata:", "metadata: 5"} {
		_, errs := loadFiles(t, map[string]string{"m.yaml": "metric:\n  - " + strings.ReplaceAll(baseFields+md, "\n", "\n    ") + "\n"})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), `field "metadata": must be a mapping`) {
			t.Errorf("%s: errors %v", md, errs)
		}
	}
	d := compileOne(t, baseFields+"metadata: {yes: $.a, 1: $.b, null: $.c}")
	var keys []string
	for _, m := range d.metadata {
		keys = append(keys, m.key+"="+m.f.expr)
	}
	// True == 1 in a Python dict: the key stays True and takes $.b. Keys are
	// written as json.dumps writes them.
	if strings.Join(keys, ",") != "true=$.b,null=$.c" {
		t.Errorf("metadata %v", keys)
	}
}

func TestDefinitionsShareMetadataGroups(t *testing.T) {
	e := mustLoad(t, `
meta: &meta
  host: $.payload.host
metric:
  - {name: a, event_type: x, type: gauge, unit: B, volume: 1, resource_id: x, metadata: *meta}
  - {name: b, event_type: x, type: gauge, unit: B, volume: 1, resource_id: x, metadata: {host: $.payload.host}}
  - {name: c, event_type: x, type: gauge, unit: B, volume: 1, resource_id: x, metadata: *meta, user_metadata: $.payload.m}
`)
	g := map[string]int{}
	for _, d := range e.Definitions() {
		g[d.Name()] = d.metaGroup
	}
	if g["a"] != g["b"] || g["a"] == g["c"] {
		t.Errorf("metadata groups %v: want a and b shared, c apart", g)
	}
}
