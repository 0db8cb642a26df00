package event

import (
	"fmt"
	"strings"

	"meterflow/processors/fnmatch"
	"meterflow/processors/jsonv"
	"meterflow/processors/pyyaml"
)

// definition is one entry of event_definitions.yaml (Ceilometer's
// EventDefinition): the event types it handles and the traits it extracts.
type definition struct {
	line     int
	label    string // `event_type "compute.instance.*"` or `definition #3`, for messages
	included []*fnmatch.Pattern
	excluded []*fnmatch.Pattern
	catchAll bool // "*" is included and nothing is excluded
	traits   []*traitDef
}

// matches is EventDefinition.match_type: some included pattern matches and
// no excluded one does.
func (d *definition) matches(eventType string) bool {
	in := false
	for _, g := range d.included {
		if g.Match(eventType) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, g := range d.excluded {
		if g.Match(eventType) {
			return false
		}
	}
	return true
}

// defaultTraits are EventDefinition.DEFAULT_TRAITS, which every definition
// starts with, in this order; a definition's own trait of the same name
// replaces one in place.
var defaultTraits = []struct {
	name   string
	fields []string
}{
	{"service", []string{"publisher_id"}},
	{"request_id", []string{"ctxt.request_id"}},
	{"project_id", []string{"payload.tenant_id", "ctxt.project_id"}},
	{"user_id", []string{"payload.user_id", "ctxt.user_id"}},
	{"tenant_id", []string{"payload.tenant_id", "ctxt.project_id"}},
}

// newDefaultTraits compiles the default traits.
func newDefaultTraits(paths pathCache) ([]*traitDef, error) {
	out := make([]*traitDef, 0, len(defaultTraits))
	for _, d := range defaultTraits {
		items := make([]*pyyaml.Value, len(d.fields))
		for i, f := range d.fields {
			items[i] = &pyyaml.Value{V: f}
		}
		cfg := &pyyaml.Mapping{Pairs: []pyyaml.Pair{{Key: &pyyaml.Value{V: "fields"}, Value: &pyyaml.Value{V: items}}}}
		t, problems := newTraitDef(d.name, &pyyaml.Value{V: cfg}, paths)
		if len(problems) > 0 {
			return nil, fmt.Errorf("default trait %q: %s", d.name, problems[0].msg)
		}
		out = append(out, t)
	}
	return out, nil
}

// newDefinition builds a definition from one entry of the file, reporting
// every problem found in it.
func newDefinition(index int, cfg *pyyaml.Value, defaults []*traitDef, paths pathCache, report func(*DefinitionError)) *definition {
	d := &definition{line: cfg.Line, label: fmt.Sprintf("definition #%d", index+1)}
	m, ok := cfg.V.(*pyyaml.Mapping)
	if !ok {
		report(&DefinitionError{Line: cfg.Line, Definition: d.label, Msg: "a definition must be a mapping with event_type and traits, not " + cfg.TypeName()})
		return nil
	}
	bad := false
	fail := func(line int, trait, msg string) {
		bad = true
		report(&DefinitionError{Line: line, Definition: d.label, Trait: trait, Msg: msg})
	}
	et, hasET := m.Lookup("event_type")
	if hasET {
		d.label = "event_type " + describeEventType(et)
		d.readEventType(et, fail)
	} else {
		fail(cfg.Line, "", "no event_type")
	}
	d.traits = append(d.traits, defaults...)
	traits, ok := m.Lookup("traits")
	if !ok {
		fail(cfg.Line, "", "no traits")
		return nil
	}
	switch tv := traits.V.(type) {
	case *pyyaml.Mapping:
		for _, p := range tv.Pairs {
			name, isStr := p.Key.Str()
			if !isStr {
				name = jsonv.PyStr(yToJSON(p.Key))
			}
			t, problems := newTraitDef(name, p.Value, paths)
			for _, p := range problems {
				fail(p.line, name, p.msg)
			}
			d.setTrait(t)
		}
	case []*pyyaml.Value:
		if len(tv) > 0 {
			fail(traits.Line, "", "traits must be a mapping of trait name to definition, not a list")
		}
	case string:
		if tv != "" {
			fail(traits.Line, "", "traits must be a mapping of trait name to definition, not a string")
		}
	default:
		fail(traits.Line, "", "traits must be a mapping of trait name to definition, not "+traits.TypeName())
	}
	if bad {
		return nil
	}
	return d
}

// setTrait adds t, or replaces the trait of the same name where it stands.
func (d *definition) setTrait(t *traitDef) {
	for i, have := range d.traits {
		if have.name == t.name {
			d.traits[i] = t
			return
		}
	}
	d.traits = append(d.traits, t)
}

// readEventType reads event_type: a pattern or a list of patterns; those
// starting with "!" exclude. Only exclusions means "*" and exclusions.
func (d *definition) readEventType(et *pyyaml.Value, fail func(line int, trait, msg string)) {
	var items []*pyyaml.Value
	switch v := et.V.(type) {
	case string:
		items = []*pyyaml.Value{et}
	case []*pyyaml.Value:
		items = v
	case *pyyaml.Mapping: // Python iterates a dict's keys
		for _, p := range v.Pairs {
			items = append(items, p.Key)
		}
	default:
		fail(et.Line, "", "event_type must be a pattern or a list of patterns, not "+et.TypeName())
		return
	}
	for _, item := range items {
		s, ok := item.Str()
		if !ok {
			fail(item.Line, "", "event_type: pattern must be a string, not "+item.TypeName())
			continue
		}
		pattern, excluded := strings.CutPrefix(s, "!")
		g, err := fnmatch.Compile(pattern)
		if err != nil {
			fail(item.Line, "", "event_type: "+err.Error())
			continue
		}
		if excluded {
			d.excluded = append(d.excluded, g)
		} else {
			d.included = append(d.included, g)
			d.catchAll = d.catchAll || pattern == "*"
		}
	}
	if len(d.excluded) > 0 {
		if len(d.included) == 0 {
			g, _ := fnmatch.Compile("*")
			d.included = append(d.included, g)
		}
		d.catchAll = false
	}
}

// describeEventType renders event_type for messages: "compute.instance.*"
// or ["volume.exists", "volume.retype", ...].
func describeEventType(et *pyyaml.Value) string {
	switch v := et.V.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case []*pyyaml.Value:
		parts := make([]string, 0, 3)
		for i, e := range v {
			if i == 2 {
				parts = append(parts, "...")
				break
			}
			parts = append(parts, fmt.Sprintf("%q", jsonv.PyStr(yToJSON(e))))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return jsonv.PyRepr(yToJSON(et))
}
