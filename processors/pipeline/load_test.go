package pipeline

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFollowsAliasesLikePyYAML(t *testing.T) {
	cfg, err := Parse("p.yaml", []byte(`
sources:
  - &src {name: a, meters: [&cpu cpu], sinks: [&s s]}
  - {name: b, meters: [*cpu], sinks: [*s]}
sinks:
  - {name: *s, publishers: [&pub gnocchi]}
  - {name: t, publishers: [*pub]}
`), Samples)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Pipelines) != 2 || cfg.Pipelines[1].Name != "b:s" || cfg.Sinks[1].Publishers[0] != "gnocchi://" {
		t.Fatalf("pipelines %+v, sinks %+v", cfg.Pipelines, cfg.Sinks)
	}
	_, err = Parse("p.yaml", []byte("sources:\n  - &src {name: a, meters: [cpu], sinks: [s]}\n  - *src\nsinks:\n  - {name: s, publishers: [x]}\n"), Samples)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "p.yaml:2: duplicated source names: a") {
		t.Fatalf("got %v, want the aliased source refused as a duplicate", err)
	}
}

func TestEmptyFileErrorNamesLineOne(t *testing.T) {
	_, err := Parse("p.yaml", nil, Events)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "p.yaml:1: the file must be a mapping") {
		t.Fatalf("got %v", err)
	}
}
