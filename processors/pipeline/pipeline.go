// Package pipeline reads Ceilometer's pipeline.yaml and event_pipeline.yaml
// and decides which sinks a sample or an event goes to.
//
// A file lists sources (which meters or event types, and to which sinks)
// and sinks (a name and publishers). Every source×sink pair is a Pipeline;
// a sample is delivered to every pipeline whose source supports its meter
// name, so the same meter in two sinks reaches both.
package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"meterflow/processors/fnmatch"
)

// Kind tells which file a Config came from.
type Kind int

const (
	// Samples is pipeline.yaml: sources list "meters".
	Samples Kind = iota
	// Events is event_pipeline.yaml: sources list "events".
	Events
)

func (k Kind) field() string {
	if k == Events {
		return "events"
	}
	return "meters"
}

// ErrInvalid wraps every validation error of a pipeline file.
var ErrInvalid = errors.New("invalid pipeline definition")

// Config is a parsed, valid pipeline file.
type Config struct {
	Kind      Kind
	File      string
	Sources   []*Source
	Sinks     []*Sink
	Pipelines []Pipeline // in Ceilometer's order: sources, then each source's sinks
}

// Source selects meters (or event types) with fnmatch patterns: "*", names,
// or "!name" exclusions.
type Source struct {
	Name     string
	Patterns []string
	Sinks    []string
	Line     int

	include, exclude []*fnmatch.Pattern
}

// Sink names publishers. A publisher without "://" gets it appended, as
// Ceilometer does ("gnocchi" is "gnocchi://").
type Sink struct {
	Name       string
	Publishers []string
	Line       int
}

// Pipeline couples a source and a sink. Its name is the source's name when
// both share it, else "source:sink".
type Pipeline struct {
	Name   string
	Source *Source
	Sink   *Sink
}

// Supports reports whether the source takes the meter or event type name:
// exclusions first, then inclusions; a source with only exclusions takes
// everything else (Ceilometer's Source.is_supported).
func (s *Source) Supports(name string) bool {
	for _, p := range s.exclude {
		if p.Match(name) {
			return false
		}
	}
	for _, p := range s.include {
		if p.Match(name) {
			return true
		}
	}
	return len(s.include) == 0
}

// Route returns the pipelines a sample with this meter name (or an event of
// this type) goes to.
func (c *Config) Route(name string) []Pipeline {
	var out []Pipeline
	for _, p := range c.Pipelines {
		if p.Source.Supports(name) {
			out = append(out, p)
		}
	}
	return out
}

// checkPatterns applies Ceilometer's check_source_filtering.
func checkPatterns(patterns []string, field string) error {
	if len(patterns) == 0 {
		return fmt.Errorf("no %s specified", field)
	}
	included, excluded, star := false, false, false
	for _, p := range patterns {
		if p == "" {
			return fmt.Errorf("empty pattern in %s", field)
		}
		switch {
		case p[0] == '!':
			excluded = true
		case p[0] != '*':
			included = true
		}
		if p == "*" {
			star = true
		}
	}
	if included && excluded {
		return fmt.Errorf("both included and excluded %s specified", field)
	}
	if star && included {
		return fmt.Errorf("included %s specified with wildcard", field)
	}
	return nil
}

func (s *Source) compile() error {
	for _, p := range s.Patterns {
		pat, neg := p, strings.HasPrefix(p, "!")
		if neg {
			pat = p[1:]
		}
		g, err := fnmatch.Compile(pat)
		if err != nil {
			return err
		}
		if neg {
			s.exclude = append(s.exclude, g)
		} else {
			s.include = append(s.include, g)
		}
	}
	return nil
}
