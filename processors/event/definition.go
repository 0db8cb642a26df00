package event

import (
	"fmt"
	"strings"

	"meterflow/processors/fnmatch"
	"meterflow/processors/jsonv"
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
		items := make([]*yval, len(d.fields))
		for i, f := range d.fields {
			items[i] = &yval{v: f}
		}
		cfg := &ymap{keys: []*yval{{v: "fields"}}, vals: []*yval{{v: items}}}
		t, problems := newTraitDef(d.name, &yval{v: cfg}, paths)
		if len(problems) > 0 {
			return nil, fmt.Errorf("default trait %q: %s", d.name, problems[0].msg)
		}
		out = append(out, t)
	}
	return out, nil
}

// newDefinition builds a definition from one entry of the file, reporting
// every problem found in it.
func newDefinition(index int, cfg *yval, defaults []*traitDef, paths pathCache, report func(*DefinitionError)) *definition {
	d := &definition{line: cfg.line, label: fmt.Sprintf("definition #%d", index+1)}
	m, ok := cfg.v.(*ymap)
	if !ok {
		report(&DefinitionError{Line: cfg.line, Definition: d.label, Msg: "a definition must be a mapping with event_type and traits, not " + yTypeName(cfg)})
		return nil
	}
	bad := false
	fail := func(line int, trait, msg string) {
		bad = true
		report(&DefinitionError{Line: line, Definition: d.label, Trait: trait, Msg: msg})
	}
	et, hasET := m.get("event_type")
	if hasET {
		d.label = "event_type " + describeEventType(et)
		d.readEventType(et, fail)
	} else {
		fail(cfg.line, "", "no event_type")
	}
	d.traits = append(d.traits, defaults...)
	traits, ok := m.get("traits")
	if !ok {
		fail(cfg.line, "", "no traits")
		return nil
	}
	switch tv := traits.v.(type) {
	case *ymap:
		for i, k := range tv.keys {
			name, isStr := k.v.(string)
			if !isStr {
				name = jsonv.PyStr(yToJSON(k))
			}
			t, problems := newTraitDef(name, tv.vals[i], paths)
			for _, p := range problems {
				fail(p.line, name, p.msg)
			}
			d.setTrait(t)
		}
	case []*yval:
		if len(tv) > 0 {
			fail(traits.line, "", "traits must be a mapping of trait name to definition, not a list")
		}
	case string:
		if tv != "" {
			fail(traits.line, "", "traits must be a mapping of trait name to definition, not a string")
		}
	default:
		fail(traits.line, "", "traits must be a mapping of trait name to definition, not "+yTypeName(traits))
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
func (d *definition) readEventType(et *yval, fail func(line int, trait, msg string)) {
	var items []*yval
	switch v := et.v.(type) {
	case string:
		items = []*yval{et}
	case []*yval:
		items = v
	case *ymap: // Python iterates a dict's keys
		items = v.keys
	default:
		fail(et.line, "", "event_type must be a pattern or a list of patterns, not "+yTypeName(et))
		return
	}
	for _, item := range items {
		s, ok := item.v.(string)
		if !ok {
			fail(item.line, "", "event_type: pattern must be a string, not "+yTypeName(item))
			continue
		}
		pattern, excluded := strings.CutPrefix(s, "!")
		g, err := fnmatch.Compile(pattern)
		if err != nil {
			fail(item.line, "", "event_type: "+err.Error())
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
func describeEventType(et *yval) string {
	switch v := et.v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case []*yval:
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
