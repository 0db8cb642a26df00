package sinks

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"meterflow/definitions"
	"meterflow/processors"
	"meterflow/processors/fnmatch"
	"meterflow/processors/jsonpath"
	"meterflow/processors/jsonv"
)

// This file reads gnocchi_resources.yaml as Ceilometer 19's
// ceilometer.publisher.gnocchi does, and maps samples and events to Gnocchi
// resources with it. It is pure: no network, no clock.

// gnocchiResources is a loaded gnocchi_resources.yaml.
type gnocchiResources struct {
	// archivePolicies are created in Gnocchi when missing, as given.
	archivePolicies []*jsonv.Object
	defs            []*resourceDef
	// byMetric maps a metric name to its definition. A metric listed by
	// several definitions belongs to the last, as in Ceilometer's metric_map.
	byMetric map[string]*resourceDef
}

// resourceDef is one entry of "resources:", Ceilometer's ResourcesDefinition.
type resourceDef struct {
	resourceType string
	// metrics maps a metric name to its archive policy.
	metrics    map[string]string
	attributes []attributeDef
	// Events, matched in this order: create, delete, update.
	eventCreate, eventDelete, eventUpdate []*fnmatch.Pattern
	// eventAttrs map resource attributes to trait names.
	eventAttrs []eventAttributeDef
	// associated are event_associated_resources: resource type and search
	// query, with %s standing for the resource id.
	associated []associatedDef
}

// attributeDef is a resource attribute taken from a sample, as
// ceilometer.declarative.Definition computes it without a plugin: the first
// non-null match of a JSONPath over Sample.as_dict(), or a constant when the
// definition is an integer.
type attributeDef struct {
	name     string
	path     *jsonpath.Path
	constant any // when path is nil: int64, *big.Int or bool
}

type eventAttributeDef struct{ name, trait string }

type associatedDef struct{ resourceType, query string }

// eventOp is what an event does to its resource.
type eventOp int

const (
	eventNone eventOp = iota
	eventCreate
	eventDelete
	eventUpdate
)

// loadGnocchiResources reads the resources file: the shipped one when path
// is "", else the named file. See parseGnocchiResources for override.
func loadGnocchiResources(path, archivePolicyOverride string) (*gnocchiResources, error) {
	var data []byte
	var err error
	name := path
	if path == "" {
		name = "gnocchi_resources.yaml (shipped)"
		data, err = fs.ReadFile(definitions.Ceilometer, definitions.GnocchiResources)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: resources_definition_file: %v", ErrInvalidURL, err)
	}
	r, err := parseGnocchiResources(data, archivePolicyOverride)
	if err != nil {
		return nil, fmt.Errorf("%w: %s:%v", ErrInvalidURL, name, err)
	}
	return r, nil
}

// parseGnocchiResources parses a resources file. archivePolicyOverride is
// the URL's archive_policy option: when set, every metric uses it.
//
// Ceilometer skips, with a logged error, a resource definition it cannot
// load; meterflow refuses the file, naming the line.
func parseGnocchiResources(data []byte, archivePolicyOverride string) (*gnocchiResources, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf(" %v", err)
	}
	r := &gnocchiResources{byMetric: map[string]*resourceDef{}}
	if len(doc.Content) == 0 {
		return r, nil
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		return r, nil
	}
	top, err := mapping(root)
	if err != nil {
		return nil, err
	}
	defaultPolicy := "ceilometer-low"
	if n := top.get("archive_policy_default"); n != nil {
		if defaultPolicy, err = str(n); err != nil {
			return nil, err
		}
	}
	if n := top.get("archive_policies"); n != nil && !isNull(n) {
		if n.Kind != yaml.SequenceNode {
			return nil, errAt(n, "archive_policies must be a list")
		}
		for _, item := range n.Content {
			v, err := yamlValue(item)
			if err != nil {
				return nil, err
			}
			ap, ok := v.(*jsonv.Object)
			if !ok {
				return nil, errAt(item, "an archive policy must be a mapping")
			}
			if name, _ := ap.Get("name"); name == nil {
				return nil, errAt(item, "an archive policy needs a name")
			}
			r.archivePolicies = append(r.archivePolicies, ap)
		}
	}
	if n := top.get("resources"); n != nil && !isNull(n) {
		if n.Kind != yaml.SequenceNode {
			return nil, errAt(n, "resources must be a list")
		}
		for _, item := range n.Content {
			d, err := parseResourceDef(resolve(item), defaultPolicy, archivePolicyOverride)
			if err != nil {
				return nil, err
			}
			r.defs = append(r.defs, d)
			for m := range d.metrics {
				r.byMetric[m] = d
			}
		}
	}
	return r, nil
}

func parseResourceDef(n *yaml.Node, defaultPolicy, override string) (*resourceDef, error) {
	m, err := mapping(n)
	if err != nil {
		return nil, err
	}
	d := &resourceDef{metrics: map[string]string{}}
	rt := m.get("resource_type")
	if rt == nil {
		return nil, errAt(n, "required field resource_type not specified")
	}
	if d.resourceType, err = str(rt); err != nil {
		return nil, err
	}
	// archive_policy on the resource type is deprecated; Ceilometer applies
	// it after the override.
	deprecatedPolicy := ""
	if ap := m.get("archive_policy"); ap != nil {
		if deprecatedPolicy, err = str(ap); err != nil {
			return nil, err
		}
	}
	policyOf := func(own string) string {
		p := own
		if p == "" {
			p = defaultPolicy
		}
		if override != "" {
			p = override
		}
		if deprecatedPolicy != "" {
			p = deprecatedPolicy
		}
		return p
	}
	metrics := m.get("metrics")
	switch {
	case metrics == nil:
		return nil, errAt(n, "required field metrics not specified")
	case metrics.Kind == yaml.SequenceNode:
		for _, item := range metrics.Content {
			name, err := str(item)
			if err != nil {
				return nil, err
			}
			d.metrics[name] = policyOf("")
		}
	case metrics.Kind == yaml.MappingNode:
		mm, _ := mapping(metrics)
		for i, k := range mm.keys {
			name, err := str(k)
			if err != nil {
				return nil, err
			}
			own := ""
			if extra := mm.vals[i]; !isNull(extra) {
				em, err := mapping(extra)
				if err != nil {
					return nil, err
				}
				if ap := em.get("archive_policy_name"); ap != nil && !isNull(ap) {
					if own, err = str(ap); err != nil {
						return nil, err
					}
				}
			}
			d.metrics[name] = policyOf(own)
		}
	default:
		return nil, errAt(metrics, "metrics must be a mapping or a list")
	}
	if attrs := m.get("attributes"); attrs != nil && !isNull(attrs) {
		am, err := mapping(attrs)
		if err != nil {
			return nil, err
		}
		for i, k := range am.keys {
			name, err := str(k)
			if err != nil {
				return nil, err
			}
			a, err := parseAttributeDef(name, am.vals[i])
			if err != nil {
				return nil, err
			}
			d.attributes = append(d.attributes, a)
		}
	}
	for _, ev := range []struct {
		key string
		dst *[]*fnmatch.Pattern
	}{{"event_create", &d.eventCreate}, {"event_delete", &d.eventDelete}, {"event_update", &d.eventUpdate}} {
		pn := m.get(ev.key)
		if pn == nil {
			continue
		}
		items := []*yaml.Node{pn}
		if pn.Kind == yaml.SequenceNode {
			items = pn.Content
		}
		for _, item := range items {
			s, err := str(resolve(item))
			if err != nil {
				return nil, err
			}
			p, err := fnmatch.Compile(s)
			if err != nil {
				return nil, errAt(item, "%s: %v", ev.key, err)
			}
			*ev.dst = append(*ev.dst, p)
		}
	}
	if ea := m.get("event_attributes"); ea != nil && !isNull(ea) {
		em, err := mapping(ea)
		if err != nil {
			return nil, err
		}
		for i, k := range em.keys {
			name, err := str(k)
			if err != nil {
				return nil, err
			}
			trait, err := str(em.vals[i])
			if err != nil {
				return nil, err
			}
			d.eventAttrs = append(d.eventAttrs, eventAttributeDef{name, trait})
		}
	}
	if d.supportsEvents() && !d.hasEventAttribute("id") {
		return nil, errAt(n, "resource type %s handles events: its event_attributes need an id", d.resourceType)
	}
	if as := m.get("event_associated_resources"); as != nil && !isNull(as) {
		am, err := mapping(as)
		if err != nil {
			return nil, err
		}
		for i, k := range am.keys {
			rt, err := str(k)
			if err != nil {
				return nil, err
			}
			q, err := str(am.vals[i])
			if err != nil {
				return nil, err
			}
			d.associated = append(d.associated, associatedDef{rt, q})
		}
	}
	return d, nil
}

// parseAttributeDef reads one "attributes:" entry as declarative.Definition
// does: a JSONPath string, a list of paths (their union), an integer
// constant, or a mapping with "fields". Trait plugins are not supported.
func parseAttributeDef(name string, n *yaml.Node) (attributeDef, error) {
	n = resolve(n)
	a := attributeDef{name: name}
	if n.Kind == yaml.MappingNode {
		m, _ := mapping(n)
		if m.get("plugin") != nil {
			return a, errAt(n, "attribute %s: trait plugins are not supported in gnocchi resource attributes", name)
		}
		f := m.get("fields")
		if f == nil {
			return a, errAt(n, "attribute %s: the field 'fields' is required", name)
		}
		n = resolve(f)
	}
	var expr string
	switch {
	case n.Kind == yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			s, err := str(item)
			if err != nil {
				return a, err
			}
			parts = append(parts, s)
		}
		if len(parts) == 1 {
			expr = parts[0]
		} else {
			for i, p := range parts {
				parts[i] = "(" + p + ")"
			}
			expr = strings.Join(parts, "|")
		}
	case n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!bool"):
		v, err := yamlValue(n)
		if err != nil {
			return a, err
		}
		a.constant = v
		return a, nil
	default:
		s, err := str(n)
		if err != nil {
			return a, err
		}
		expr = s
	}
	p, err := jsonpath.Compile(expr)
	if err != nil {
		return a, errAt(n, "attribute %s: parse error in JSONPath specification %q: %v", name, expr, err)
	}
	a.path = p
	return a, nil
}

func (d *resourceDef) supportsEvents() bool {
	return len(d.eventCreate)+len(d.eventDelete)+len(d.eventUpdate) > 0
}

func (d *resourceDef) hasEventAttribute(name string) bool {
	for _, a := range d.eventAttrs {
		if a.name == name {
			return true
		}
	}
	return false
}

// eventOp is ResourcesDefinition.event_match: create patterns first, then
// delete, then update.
func (d *resourceDef) eventOp(eventType string) eventOp {
	for _, set := range []struct {
		pats []*fnmatch.Pattern
		op   eventOp
	}{{d.eventCreate, eventCreate}, {d.eventDelete, eventDelete}, {d.eventUpdate, eventUpdate}} {
		for _, p := range set.pats {
			if p.Match(eventType) {
				return set.op
			}
		}
	}
	return eventNone
}

// forEvent returns the first definition that handles eventType, as
// Ceilometer's _get_resource_definition_from_event.
func (r *gnocchiResources) forEvent(eventType string) (*resourceDef, eventOp) {
	for _, d := range r.defs {
		if op := d.eventOp(eventType); op != eventNone {
			return d, op
		}
	}
	return nil, eventNone
}

// sampleAttributes computes the resource attributes a sample carries, in
// definition order, leaving out those without a value. The error is the
// first JSONPath evaluation error (Ceilometer fails the batch there).
func (d *resourceDef) sampleAttributes(s *processors.Sample) (*jsonv.Object, error) {
	attrs := jsonv.NewObject(len(d.attributes))
	if len(d.attributes) == 0 {
		return attrs, nil
	}
	doc := sampleDict(s)
	for _, a := range d.attributes {
		if a.path == nil {
			attrs.Set(a.name, a.constant)
			continue
		}
		values, err := a.path.Eval(doc)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", a.name, err)
		}
		for _, v := range values {
			if v != nil {
				attrs.Set(a.name, v)
				break
			}
		}
	}
	return attrs, nil
}

// sampleDict is Sample.as_dict(), the document attribute paths read.
func sampleDict(s *processors.Sample) *jsonv.Object {
	o := jsonv.NewObject(12)
	o.Set("name", s.Name)
	o.Set("type", s.Type)
	o.Set("unit", s.Unit)
	o.Set("volume", s.Volume)
	o.Set("user_id", s.UserID)
	o.Set("project_id", s.ProjectID)
	o.Set("resource_id", s.ResourceID)
	o.Set("timestamp", s.Timestamp)
	md := s.ResourceMetadata
	if md == nil {
		md = jsonv.NewObject(0) // resource_metadata or {}
	}
	o.Set("resource_metadata", md)
	o.Set("source", s.Source)
	o.Set("id", s.ID)
	o.Set("monotonic_time", nil)
	return o
}

// eventAttributes is ResourcesDefinition.event_attributes: "type" and the
// attributes whose trait the event has and is not null.
func (d *resourceDef) eventAttributes(e *processors.Event) *jsonv.Object {
	traits := make(map[string]any, len(e.Traits))
	for _, t := range e.Traits {
		traits[t.Name] = t.Value
	}
	attrs := jsonv.NewObject(len(d.eventAttrs) + 1)
	attrs.Set("type", d.resourceType)
	for _, a := range d.eventAttrs {
		if v := traits[a.trait]; v != nil {
			attrs.Set(a.name, v)
		}
	}
	return attrs
}

// associatedQuery formats an event_associated_resources query with the
// resource id, as Python's `query % id`.
func associatedQuery(query string, id any) string {
	var b strings.Builder
	for i := 0; i < len(query); i++ {
		if query[i] == '%' && i+1 < len(query) {
			switch query[i+1] {
			case 's':
				b.WriteString(jsonv.PyStr(id))
				i++
				continue
			case '%':
				b.WriteByte('%')
				i++
				continue
			}
		}
		b.WriteByte(query[i])
	}
	return b.String()
}
