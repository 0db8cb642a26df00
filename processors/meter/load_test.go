package meter

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestShippedDefinitionsLoadInCeilometersOrder(t *testing.T) {
	e, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	defs := e.Definitions()
	// Ceilometer 19 loads 38 definitions from its meters.yaml, last first.
	if len(defs) != 38 {
		t.Fatalf("loaded %d definitions, want 38", len(defs))
	}
	if defs[0].Name() != "manila.share.size" || defs[37].Name() != "image.size" {
		t.Errorf("order: first %q, last %q; want manila.share.size ... image.size", defs[0].Name(), defs[37].Name())
	}
	if d := defs[37]; d.File() != "ceilometer/meters.d/meters.yaml" || d.Line() != 5 ||
		strings.Join(d.EventTypes(), " ") != "image.upload image.delete image.update" {
		t.Errorf("image.size: %s:%d %v", d.File(), d.Line(), d.EventTypes())
	}
}

const goodDef = `
  - name: NAME
    event_type: test.create
    type: delta
    unit: UNIT
    volume: $.payload.volume
    resource_id: $.payload.resource_id
`

func def(name, unit string) string {
	return strings.NewReplacer("NAME", name, "UNIT", unit).Replace(goodDef)
}

func units(e *Endpoints) map[string]string {
	out := map[string]string{}
	for _, d := range e.Definitions() {
		out[d.Name()], _ = d.unit.Str()
	}
	return out
}

func TestDuplicateNames(t *testing.T) {
	t.Run("the last definition of a file wins", func(t *testing.T) {
		e := mustLoad(t, "metric:"+def("m", "first")+def("m", "last"))
		if got := units(e)["m"]; got != "last" || len(e.Definitions()) != 1 {
			t.Errorf("unit %q of %d definitions, want last of 1", got, len(e.Definitions()))
		}
	})
	t.Run("an earlier file wins over a later one", func(t *testing.T) {
		e, errs := loadFiles(t, map[string]string{
			"a.yaml": "metric:" + def("m", "a"),
			"b.yaml": "metric:" + def("m", "b") + def("n", "b"),
		})
		if len(errs) != 0 || units(e)["m"] != "a" || units(e)["n"] != "b" {
			t.Errorf("units %v, errors %v", units(e), errs)
		}
	})
	t.Run("an earlier directory wins over a later one", func(t *testing.T) {
		etc := fstest.MapFS{"z.yaml": {Data: []byte("metric:" + def("memory", "MiB"))}}
		e, skipped, err := Load(Config{Dirs: []Dir{{FS: etc, Path: ".", Name: "/etc/ceilometer/meters.d"}, ShippedDir()}})
		if err != nil || len(skipped) != 0 {
			t.Fatal(err, skipped)
		}
		if got := units(e)["memory"]; got != "MiB" || len(e.Definitions()) != 38 {
			t.Errorf("memory unit %q of %d definitions, want MiB of 38", got, len(e.Definitions()))
		}
	})
	t.Run("a definition that fails does not hide an earlier one", func(t *testing.T) {
		e, errs := loadFiles(t, map[string]string{"m.yaml": "metric:" + def("m", "kept") +
			strings.Replace(def("m", "broken"), "type: delta", "type: bad", 1)})
		if units(e)["m"] != "kept" || len(errs) != 1 {
			t.Errorf("units %v, errors %v", units(e), errs)
		}
	})
}

func TestOnlyYAMLFilesAreRead(t *testing.T) {
	fsys := fstest.MapFS{
		"d/a.yaml":       {Data: []byte("metric:" + def("a", "B"))},
		"d/.hidden.yaml": {Data: []byte("metric:" + def("hidden", "B"))},
		"d/b.yml":        {Data: []byte("metric:" + def("yml", "B"))},
		"d/README":       {Data: []byte("not yaml")},
	}
	e, skipped, err := Load(Config{Dirs: []Dir{{FS: fsys, Path: "d"}, {FS: fsys, Path: "missing"}}})
	if err != nil || len(skipped) != 0 {
		t.Fatal(err, skipped)
	}
	if got := units(e); len(got) != 1 || got["a"] != "B" {
		t.Errorf("loaded %v, want only a", got)
	}
}

func TestLoadErrorsNameFileLineMeterAndField(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"bad jsonpath", "metric:\n  - name: x\n    event_type: a\n    type: gauge\n    unit: B\n    volume: $.payload[\n    resource_id: x\n",
			`meters.d/meters.yaml:6: meter "x": field "volume": jsonpath: unexpected end of expression at column 11 in "$.payload["`},
		{"bad jsonpath in metadata", "metric:\n  - name: x\n    event_type: a\n    type: gauge\n    unit: B\n    volume: 1\n    resource_id: x\n    metadata:\n      a: $.b\n      c: '$.[['\n",
			`meters.d/meters.yaml:10: meter "x": field "metadata.c": jsonpath: unexpected "[" at column 4 in "$.[["`},
		{"unit that is no jsonpath", "metric:\n  - name: x\n    event_type: a\n    type: gauge\n    unit: B/s\n    volume: 1\n    resource_id: x\n",
			`meters.d/meters.yaml:5: meter "x": field "unit": jsonpath: unexpected "/" at column 2 in "B/s"`},
		{"bad regex", "metric:\n  - name: x\n    event_type: ['a', 'b(']\n    type: gauge\n    unit: B\n    volume: 1\n    resource_id: x\n",
			"meters.d/meters.yaml:3: meter \"x\": field \"event_type\": regular expression \"b(\": error parsing regexp: missing closing ) in `b(`"},
		{"bad type", "metric:\n  - name: x\n    event_type: a\n    type: counter\n    unit: B\n    volume: 1\n    resource_id: x\n",
			`meters.d/meters.yaml:4: meter "x": field "type": invalid type counter specified (want gauge, delta or cumulative)`},
		{"missing and empty fields", "metric:\n  - name: x\n    event_type: a\n    unit: B\n    volume: 0\n    resource_id: x\n",
			`meters.d/meters.yaml:2: meter "x": fields type, volume: required but missing or empty`},
		{"unknown plugin", "metric:\n  - name: x\n    event_type: a\n    type: gauge\n    unit: B\n    volume: {fields: $.a, plugin: nope}\n    resource_id: x\n",
			`meters.d/meters.yaml:6: meter "x": field "volume": no plugin named nope available (have bitfield, split, timedelta)`},
		{"plugin without fields", "metric:\n  - name: x\n    event_type: a\n    type: gauge\n    unit: B\n    volume: {plugin: split}\n    resource_id: x\n",
			`meters.d/meters.yaml:6: meter "x": field "volume": the key 'fields' is required when the value is a mapping`},
		{"bad plugin parameter", "metric:\n  - name: x\n    event_type: a\n    type: gauge\n    unit: B\n    volume: 1\n    resource_id:\n      fields: $.a\n      plugin:\n        name: split\n        parameters: {segment: first}\n",
			`meters.d/meters.yaml:10: meter "x": field "resource_id": plugin split: parameter "segment": must be an integer, not first`},
		{"non-string name", "metric:\n  - name: 5\n    event_type: a\n    type: gauge\n    unit: B\n    volume: 1\n    resource_id: x\n",
			`meters.d/meters.yaml:2: field "name": must be a string, not int 5`},
		{"lookup mapping", "metric:\n  - name: x\n    event_type: a\n    type: gauge\n    unit: B\n    volume: 1\n    resource_id: x\n    lookup: {name: 1}\n",
			`meters.d/meters.yaml:8: meter "x": field "lookup": must be a string or a list of strings, not dict`},
		{"malformed yaml", "metric:\n  - name: x\n    event_type: [a\n",
			`meters.d/meters.yaml:2: yaml: did not find expected ',' or ']'`},
		{"definition not a mapping", "metric:\n  - 5\n", `meters.d/meters.yaml:2: definition must be a mapping, not int`},
		{"metric not a list", "metric: 5\n", `meters.d/meters.yaml:1: "metric" must be a list, not int`},
		{"no metric", "meters: []\n", `meters.d/meters.yaml:1: no "metric" list`},
		{"empty file", "", `meters.d/meters.yaml: file is empty: want a mapping with a "metric" list`},
		{"two documents", "metric: []\n---\nmetric: []\n", `meters.d/meters.yaml:3: yaml: expected a single document in the stream`},
		{"duplicate anchor", "metric:\n  - &a {name: x}\n  - &a {name: y}\n", `meters.d/meters.yaml:3: yaml: found duplicate anchor "a"; first occurrence at line 2`},
		{"unknown alias", "metric:\n  - name: x\n    metadata: *nope\n", `meters.d/meters.yaml:3: yaml: unknown anchor 'nope' referenced`},
		{"bad merge", "metric:\n  - <<: 5\n    name: x\n", `meters.d/meters.yaml:2: yaml: expected a mapping or list of mappings for merging`},
		{"unknown tag", "metric:\n  - !foo {name: x}\n", `meters.d/meters.yaml:2: yaml: could not determine a constructor for the tag "!foo"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, errs := loadFiles(t, map[string]string{"meters.yaml": tc.yaml})
			if len(errs) != 1 {
				t.Fatalf("got %d errors %v, want 1", len(errs), errs)
			}
			if got := errs[0].Error(); got != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tc.want)
			}
			var le *LoadError
			if !errors.Is(errs[0], ErrInvalidDefinition) || !errors.As(errs[0], &le) {
				t.Errorf("error %T does not match ErrInvalidDefinition / *LoadError", errs[0])
			}
			if len(e.Definitions()) != 0 {
				t.Errorf("%d definitions loaded", len(e.Definitions()))
			}
		})
	}
}

// FuzzLoad loads arbitrary definition files: loading must not panic, every
// problem must be a *LoadError naming the file (and the line, for a problem
// in a definition), and what loads must convert a notification without
// panicking.
func FuzzLoad(f *testing.F) {
	shipped, err := ShippedDir().FS.(interface{ ReadFile(string) ([]byte, error) }).ReadFile(ShippedDir().Path + "/meters.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(shipped))
	f.Add("metric:" + def("m", "B"))
	f.Add("metric:\n  - &a {name: x, event_type: a, type: gauge, unit: B, volume: 1, resource_id: x}\n  - <<: *a\n    name: y\n")
	f.Add("metric:\n  - {name: $.payload.m[*].n, event_type: '.*', type: gauge, unit: B, volume: $.payload.m[*].v, resource_id: x, lookup: [name, volume]}\n")
	f.Add("metric:\n  - {name: x, event_type: '(?!a)b|c', type: gauge, unit: B, resource_id: x, volume: {fields: [$.a, $.b], plugin: {name: bitfield, parameters: {flags: [{path: a, bit: 1}]}}}}\n")
	f.Add("a: &a [*a]\n")
	f.Add("metric: [{name: x, metadata: {<<: [{a: 1}, {b: 2}]}}]\n")
	n := fixture(f, "NOTIFICATION")
	n.EventType = "a"
	f.Fuzz(func(t *testing.T, text string) {
		e, errs := loadFiles(t, map[string]string{"meters.yaml": text})
		for _, err := range errs {
			var le *LoadError
			if !errors.As(err, &le) || !strings.HasPrefix(err.Error(), "meters.d/meters.yaml") {
				t.Fatalf("error %q is not a LoadError naming the file", err)
			}
			if (le.Meter != "" || le.Field != "") && le.Line < 1 {
				t.Fatalf("a problem in a definition without its line: %v", err)
			}
		}
		e.Samples(n)
	})
}
