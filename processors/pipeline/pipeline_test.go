package pipeline

import (
	"errors"
	"strings"
	"testing"

	"meterflow/definitions"
)

func TestShippedPipelinesRouteEverythingToOneSink(t *testing.T) {
	samples, err := LoadFS(definitions.Ceilometer, definitions.Pipeline, Samples)
	if err != nil {
		t.Fatal(err)
	}
	got := samples.Route("compute.instance.booting.time")
	if len(got) != 1 || got[0].Name != "meter_source:meter_sink" || got[0].Sink.Publishers[0] != "gnocchi://" {
		t.Fatalf("routes %+v", got)
	}
	events, err := LoadFS(definitions.Ceilometer, definitions.EventPipeline, Events)
	if err != nil {
		t.Fatal(err)
	}
	if got := events.Route("compute.instance.create.end"); len(got) != 1 || got[0].Sink.Publishers[0] != "notifier://" {
		t.Fatalf("event routes %+v", got)
	}
}

func TestSourceSupportsFollowsCeilometerDenyThenAllow(t *testing.T) {
	cases := []struct {
		patterns []string
		name     string
		want     bool
	}{
		{[]string{"*"}, "cpu", true},
		{[]string{"cpu", "memory"}, "cpu", true},
		{[]string{"cpu", "memory"}, "disk", false},
		{[]string{"disk.*"}, "disk.read.bytes", true},
		{[]string{"!disk.*"}, "disk.read.bytes", false},
		{[]string{"!disk.*"}, "cpu", true}, // only exclusions: the rest is allowed
		{[]string{"*", "!cpu"}, "cpu", false},
		{[]string{"*", "!cpu"}, "memory", true},
		{[]string{"*.end"}, "compute.instance.create.end", true},
	}
	for _, c := range cases {
		src := &Source{Patterns: c.patterns}
		if err := src.compile(); err != nil {
			t.Fatal(err)
		}
		if got := src.Supports(c.name); got != c.want {
			t.Errorf("%v supports %q = %v, want %v", c.patterns, c.name, got, c.want)
		}
	}
}

func TestSameMeterInTwoSinksGoesToBoth(t *testing.T) {
	cfg, err := Parse("p.yaml", []byte(`
sources:
  - name: all
    meters: ["*"]
    sinks: [a, b]
  - name: cpu_only
    meters: [cpu]
    sinks: [b]
sinks:
  - name: a
    publishers: [gnocchi]
  - name: b
    publishers: ["file:///tmp/x?json", "http://h/x"]
`), Samples)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range cfg.Route("cpu") {
		names = append(names, p.Name)
	}
	if strings.Join(names, " ") != "all:a all:b cpu_only:b" {
		t.Fatalf("cpu routes %v", names)
	}
	if cfg.Sinks[0].Publishers[0] != "gnocchi://" {
		t.Fatalf("publisher %q", cfg.Sinks[0].Publishers[0])
	}
}

func TestInvalidPipelinesAreRefusedWithFileLineAndReason(t *testing.T) {
	cases := map[string]struct {
		kind Kind
		yaml string
		want []string
	}{
		"no sinks section":    {Samples, "sources: []\n", []string{"p.yaml:1:", "both sources & sinks are required"}},
		"dangling sink":       {Samples, "sources:\n  - name: s\n    meters: ['*']\n    sinks: [nope]\nsinks:\n  - name: k\n    publishers: [gnocchi]\n", []string{"p.yaml:2:", `source "s": dangling sink nope`}},
		"duplicate source":    {Samples, "sources:\n  - {name: s, meters: ['*'], sinks: [k]}\n  - {name: s, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n", []string{"p.yaml:3:", "duplicated source names: s"}},
		"duplicate sink":      {Samples, "sources:\n  - {name: s, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n  - {name: k, publishers: [gnocchi]}\n", []string{"p.yaml:5:", "duplicated sink names: k"}},
		"wildcard and names":  {Samples, "sources:\n  - {name: s, meters: ['*', cpu], sinks: [k]}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n", []string{"p.yaml:2:", "included meters specified with wildcard"}},
		"include and exclude": {Samples, "sources:\n  - {name: s, meters: [cpu, '!disk'], sinks: [k]}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n", []string{"both included and excluded meters specified"}},
		"missing meters":      {Samples, "sources:\n  - {name: s, sinks: [k]}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n", []string{"p.yaml:2:", "missing meters value"}},
		"missing events":      {Events, "sources:\n  - {name: s, sinks: [k]}\nsinks:\n  - {name: k, publishers: [notifier]}\n", []string{"no events specified"}},
		"no publishers":       {Samples, "sources:\n  - {name: s, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: []}\n", []string{"p.yaml:4:", `sink "k": no publisher specified`}},
		"source without name": {Samples, "sources:\n  - {meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n", []string{"required field name not specified"}},
		"source without sink": {Samples, "sources:\n  - {name: s, meters: ['*'], sinks: []}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n", []string{`source "s": no sink defined`}},
		"bad yaml":            {Samples, "sources: [\n", []string{"p.yaml"}},
		"string not list":     {Samples, "sources:\n  - {name: s, meters: '*', sinks: [k]}\nsinks:\n  - {name: k, publishers: [gnocchi]}\n", []string{"meters must be a list"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(c.yaml), c.kind)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v, want ErrInvalid", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEveryErrorOfAFileIsReportedAtOnce(t *testing.T) {
	_, err := Parse("p.yaml", []byte("sources:\n  - {name: s, meters: ['*', cpu], sinks: [k]}\n  - {name: t, meters: ['*'], sinks: [nope]}\nsinks:\n  - {name: k, publishers: []}\n"), Samples)
	if err == nil || strings.Count(err.Error(), "p.yaml:") != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
}
