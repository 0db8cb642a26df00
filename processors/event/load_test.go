package event

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"meterflow/definitions"
)

func TestShippedDefinitionsLoad(t *testing.T) {
	c, err := Load(definitions.Ceilometer, definitions.EventDefinitions)
	if err != nil {
		t.Fatal(err)
	}
	// The shipped file has no catch-all: one is added.
	last := c.defs[len(c.defs)-1]
	if !last.catchAll || last.label != "catch-all" {
		t.Errorf("last definition %s, want the added catch-all", last.label)
	}
}

func TestLoadFromFSAndFile(t *testing.T) {
	const text = "- event_type: a\n  traits: {x: {fields: payload.x}}\n"
	if _, err := Load(fstest.MapFS{"defs/e.yaml": {Data: []byte(text)}}, "defs/e.yaml"); err != nil {
		t.Errorf("Load: %v", err)
	}
	path := filepath.Join(t.TempDir(), "event_definitions.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); err != nil {
		t.Errorf("LoadFile: %v", err)
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile of a missing file: %v", err)
	}
}

func TestLoadErrorsNameFileLineDefinitionAndTrait(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // each a whole error line
	}{
		{"unknown type", `
			- event_type: compute.instance.*
			  traits:
			    launched_at:
			      type: date
			      fields: payload.launched_at
			`, []string{`test.yaml:4: event_type "compute.instance.*": trait "launched_at": unknown type "date" (want text, int, float or datetime)`}},
		{"no fields", `
			- event_type: a
			  traits:
			    t: {type: int}
			`, []string{`test.yaml:3: event_type "a": trait "t": no fields`}},
		{"bad JSONPath", `
			- event_type: a
			  traits:
			    t:
			      fields: payload.bogus(
			`, []string{`test.yaml:4: event_type "a": trait "t": fields: "payload.bogus(": `}},
		{"unknown plugin", `
			- event_type: [a, b, c]
			  traits:
			    t: {fields: payload.x, plugin: bogus}
			`, []string{`test.yaml:3: event_type ["a", "b", ...]: trait "t": plugin: no plugin named 'bogus' (want split, bitfield or timedelta)`}},
		{"plugin without name", `
			- event_type: a
			  traits:
			    t: {fields: payload.x, plugin: {bogus: "true"}}
			`, []string{`test.yaml:3: event_type "a": trait "t": plugin: no name`}},
		{"bad plugin parameter", `
			- event_type: a
			  traits:
			    t:
			      fields: payload.x
			      plugin:
			        name: split
			        parameters:
			          segment: one
			`, []string{`test.yaml:8: event_type "a": trait "t": plugin: split: segment: must be an integer, not str`}},
		{"no traits", `
			- event_type: test.foo
			`, []string{`test.yaml:1: event_type "test.foo": no traits`}},
		{"no event_type", `
			- traits: {}
			`, []string{`test.yaml:1: definition #1: no event_type`}},
		{"several problems", `
			- event_type: a
			  traits:
			    t1: {type: date, fields: x}
			- event_type: b
			  traits:
			    t2: {fields: "x["}
			`, []string{`test.yaml:3: event_type "a": trait "t1": unknown type "date"`, `test.yaml:6: event_type "b": trait "t2": fields: "x[": `}},
		{"not a list", `
			a: 1
			`, []string{`test.yaml:1: the file must be a list of definitions, not a mapping`}},
		{"empty file", ``, []string{`test.yaml:1: no definitions: the file is empty`}},
		{"YAML syntax", `
			- event_type: a
			  traits: [
			`, []string{`test.yaml:2: invalid YAML: `}},
		{"definition not a mapping", `
			- just a string
			`, []string{`test.yaml:1: definition #1: a definition must be a mapping with event_type and traits, not str`}},
		{"event_type pattern not a string", `
			- event_type: [a, 5]
			  traits: {}
			`, []string{`test.yaml:1: event_type ["a", "5"]: event_type: pattern must be a string, not int`}},
		{"constant that cannot convert", `
			- event_type: a
			  traits:
			    t: {type: datetime, fields: 5}
			`, []string{`test.yaml:3: event_type "a": trait "t": fields: 5 does not convert to datetime: `}},
		{"null fields", `
			- event_type: a
			  traits:
			    t: {fields: null}
			`, []string{`test.yaml:3: event_type "a": trait "t": fields: null is not a JSONPath expression`}},
		{"traits not a mapping", `
			- event_type: a
			  traits: [x]
			`, []string{`test.yaml:2: event_type "a": traits must be a mapping of trait name to definition, not a list`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(dedent(tc.yaml)))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidDefinition) {
				t.Errorf("%v does not wrap ErrInvalidDefinition", err)
			}
			var de *DefinitionError
			if !errors.As(err, &de) || de.File != "test.yaml" {
				t.Errorf("%v: not a *DefinitionError for test.yaml", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("error %d:\n got %s\nwant %s", i, lines[i], want)
				}
			}
		})
	}
}

func TestLoadAcceptsWhatCeilometerAccepts(t *testing.T) {
	for _, tc := range []struct{ name, yaml string }{
		{"empty list", `[]`},
		{"empty mapping", `{}`},
		{"empty string", `''`},
		{"empty traits list", "- event_type: a\n  traits: []\n"},
		{"null parameters", "- event_type: a\n  traits:\n    t: {fields: x, plugin: {name: split, parameters: null}}\n"},
		{"plugin by name", "- event_type: a\n  traits:\n    t: {fields: x, plugin: timedelta}\n"},
		{"type in capitals", "- event_type: a\n  traits:\n    t: {fields: x, type: DateTime}\n"},
		{"unknown keys ignored", "- event_type: a\n  traits:\n    t: {fields: x, comment: hi}\n  owner: me\n"},
		{"event_type mapping is its keys", "- event_type: {a: 1, b: 2}\n  traits: {}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse("test.yaml", []byte(tc.yaml)); err != nil {
				t.Error(err)
			}
		})
	}
}

// refusedOnPurpose are definition files Ceilometer loads but meterflow
// refuses, because Ceilometer would then fail every event of the definition.
var refusedOnPurpose = map[string]bool{
	"- {event_type: a, traits: {t: {fields: a, plugin: {name: bitfield, parameters: {flags: 5}}}}}": true,
	"- {event_type: a, traits: {t: {fields: true, type: datetime}}}":                                true,
}

func TestLoadAcceptsExactlyWhatCeilometerLoads(t *testing.T) {
	for _, v := range vectors(t).Loads {
		text, want := v[0].(string), v[1].(bool)
		_, err := Parse("test.yaml", []byte(text))
		if want && refusedOnPurpose[text] {
			want = false
		}
		if got := err == nil; got != want {
			t.Errorf("%q: loads %v (%v), Ceilometer %v", text, got, err, want)
		}
	}
}

func TestAliasBombsAreRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("- &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		prev := fmt.Sprintf("*a%d", i-1)
		fmt.Fprintf(&b, "- &a%d [%s]\n", i, strings.TrimSuffix(strings.Repeat(prev+", ", 10), ", "))
	}
	_, err := Parse("test.yaml", []byte(b.String()))
	if !errors.Is(err, ErrInvalidDefinition) || !strings.Contains(err.Error(), "test.yaml:1: invalid YAML: document too large") {
		t.Errorf("got %v, want the document refused as too large", err)
	}
}

func TestOptionsAreValidated(t *testing.T) {
	if _, err := Parse("x.yaml", []byte("[]"), WithCacheSize(-1)); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("negative cache size: %v", err)
	}
}

// FuzzLoad loads arbitrary event definition files: no panic; every problem
// wraps ErrInvalidDefinition and names the file on each line (and the line
// of a problem in a definition); what loads converts without panicking.
func FuzzLoad(f *testing.F) {
	shipped, err := definitions.Ceilometer.ReadFile(definitions.EventDefinitions)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(shipped)
	for _, s := range []string{
		"", "[]", "- event_type: a\n  traits: {t: {fields: payload.x, type: int}}\n",
		"- event_type: ['!a', 'b*', '[!x-z]?']\n  traits:\n    t: {fields: [a, b], plugin: {name: bitfield, parameters: {flags: [{path: a, bit: 1}]}}}\n",
		"a: &a [*a]\n", "- &x {event_type: a, traits: {<<: *x}}\n",
		"- event_type: a\n  traits: {t: {fields: x, plugin: {name: split, parameters: {segment: 1, max_split: 2, separator: '-'}}}}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("error line without the file name: %q", line)
				}
			}
			if !errors.Is(err, ErrInvalidDefinition) {
				t.Fatalf("error does not wrap ErrInvalidDefinition: %v", err)
			}
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var de *DefinitionError
				if errors.As(e, &de) && (de.Definition != "" || de.Trait != "") && de.Line < 1 {
					t.Fatalf("a problem in a definition without its line: %v", e)
				}
			}
			return
		}
		// Whatever loaded converts without panicking.
		n := notification(t, "info", `{"event_type": "compute.instance.create.end", "publisher_id": "compute.h",
			"metadata": {"message_id": "m", "timestamp": "2026-11-02 10:01:07"},
			"payload": {"a": "1", "x": [1, {"y": null}], "payload": 5}}`)
		_, _ = c.Event(n)
	})
}
