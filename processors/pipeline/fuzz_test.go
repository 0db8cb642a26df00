package pipeline

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"meterflow/definitions"
)

// errorLine is what every problem Parse reports starts with: the sentinel,
// the file, and either the line or the YAML parser's own message.
var errorLine = regexp.MustCompile(`^invalid pipeline definition: fuzz\.yaml(:[1-9][0-9]*: |: yaml: )`)

// FuzzParse reads arbitrary pipeline files of both kinds. Parse must not
// panic; each problem must wrap ErrInvalid and name the file and a line;
// the result must not depend on the run; and a Config must be consistent:
// unique names, every pipeline built from a listed source and sink,
// publishers with a scheme, and Route agreeing with Source.Supports.
func FuzzParse(f *testing.F) {
	for _, name := range []string{definitions.Pipeline, definitions.EventPipeline} {
		data, err := definitions.Ceilometer.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "[]", "sources: []\nsinks: []\n", "sources:\nsinks:\n",
		"sources:\n  - name: a\n    meters: ['*', '!cpu']\n    sinks: [s]\n  - name: b\n    meters: [cpu]\n    sinks: [s, t]\nsinks:\n  - name: s\n    publishers: [gnocchi, 'file:///x?json']\n  - name: t\n    publishers: [notifier://]\n",
		"sources:\n  - name: a\n    events: ['!compute.*', '[!x-z]?']\n    sinks: [a]\nsinks:\n  - name: a\n    publishers: [notifier://]\n",
		"sources:\n  - &s {name: a, meters: ['*'], sinks: [x]}\n  - *s\nsinks:\n  - {name: x, publishers: [p]}\n  - {name: x, publishers: []}\n",
		"sources: &a [*a]\nsinks: *a\n",
		"sources:\n  - name: a\n    meters: [cpu, '!cpu', '*', '']\n    sinks: [dangling]\nsinks:\n  - name: s\n    publishers: p\n",
		"sources:\n  - name: [a]\n    meters: {a: 1}\nsinks:\n  - 1\n",
		"sources:\n  - name: 'a:b'\n    meters: ['[a-']\n    sinks: [b]\n  - name: a\n    meters: ['[]]']\n    sinks: ['b:b']\nsinks:\n  - {name: b, publishers: [x]}\n  - {name: 'b:b', publishers: [x]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range []Kind{Samples, Events} {
			cfg, err := Parse("fuzz.yaml", data, kind)
			_, err2 := Parse("fuzz.yaml", data, kind)
			if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
				t.Fatalf("two parses disagree: %v / %v", err, err2)
			}
			if err != nil {
				if cfg != nil {
					t.Fatal("a Config with an error")
				}
				checkErrors(t, err)
				continue
			}
			checkConfig(t, cfg, kind)
		}
	})
}

func checkErrors(t *testing.T, err error) {
	t.Helper()
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if !errors.Is(e, ErrInvalid) {
			t.Fatalf("%q does not wrap ErrInvalid", e)
		}
		if !errorLine.MatchString(e.Error()) {
			t.Fatalf("%q does not name the file and a line", e)
		}
	}
}

func checkConfig(t *testing.T, cfg *Config, kind Kind) {
	t.Helper()
	if cfg.Kind != kind || cfg.File != "fuzz.yaml" {
		t.Fatalf("kind %v file %q", cfg.Kind, cfg.File)
	}
	sources, sinks, pipes := map[*Source]bool{}, map[*Sink]bool{}, map[string]bool{}
	names := map[string]bool{}
	for _, s := range cfg.Sources {
		if names[s.Name] || s.Line < 1 || len(s.Patterns) == 0 || len(s.Sinks) == 0 {
			t.Fatalf("source %+v: duplicate name, no line, patterns or sinks", s)
		}
		names[s.Name], sources[s] = true, true
	}
	clear(names)
	for _, s := range cfg.Sinks {
		if names[s.Name] || s.Line < 1 || len(s.Publishers) == 0 {
			t.Fatalf("sink %+v: duplicate name, no line or publishers", s)
		}
		for _, p := range s.Publishers {
			if !strings.Contains(p, "://") {
				t.Fatalf("sink %q: publisher %q without a scheme", s.Name, p)
			}
		}
		names[s.Name], sinks[s] = true, true
	}
	for _, p := range cfg.Pipelines {
		if !sources[p.Source] || !sinks[p.Sink] || pipes[p.Name] {
			t.Fatalf("pipeline %q: unknown source or sink, or a duplicate name", p.Name)
		}
		pipes[p.Name] = true
	}
	probes := []string{"", "cpu", "compute.instance.create.end", "[", "!"}
	for _, s := range cfg.Sources {
		for _, p := range s.Patterns {
			probes = append(probes, p, p[1:])
		}
	}
	for _, name := range probes {
		var want []string
		for _, p := range cfg.Pipelines {
			if p.Source.Supports(name) {
				want = append(want, p.Name)
			}
		}
		got := cfg.Route(name)
		if len(got) != len(want) {
			t.Fatalf("Route(%q) = %d pipelines, %d sources support it", name, len(got), len(want))
		}
		for i := range got {
			if got[i].Name != want[i] {
				t.Fatalf("Route(%q)[%d] = %q, want %q", name, i, got[i].Name, want[i])
			}
		}
	}
}
