package meter

import (
	"fmt"
	"strings"
	"time"
)

// Definition is one compiled meter definition: an item of the "metric" list
// of a definition file (Ceilometer's MeterDefinition). It is immutable and
// safe for concurrent use.
type Definition struct {
	name string // as written; a JSONPath for lookup definitions
	file string
	line int

	eventTypes []*pyRegexp

	// Sample defaults, as written (cfg["type"], cfg["unit"]).
	typ, unit *ynode
	// defaults holds cfg name, type and unit as JSON values, boxed once.
	defaults [3]any

	// attrs are the fields of sampleAttributes that the definition sets.
	attrs    [numAttrs]*field
	metadata []metaField
	userMeta *field

	// lookup lists the attributes that a lookup definition expects one
	// value of per sample; lookupMode is Python's bool(self.lookup).
	lookup     []string
	lookupMode bool

	// metaGroup identifies the definition's metadata and user_metadata:
	// definitions with the same group build the same resource_metadata
	// from a notification, so it is built once.
	metaGroup int

	// identityName marks the shipped identity.authenticate definition,
	// whose name Ceilometer 19 cannot evaluate; see correctIdentityName.
	identityName bool
}

type metaField struct {
	key string
	f   *field
}

// Name returns the meter name as written in the definition (for a
// definition with lookup, usually a JSONPath).
func (d *Definition) Name() string { return d.name }

// File and Line locate the definition.
func (d *Definition) File() string { return d.file }

// Line is the 1-based line of the definition in File.
func (d *Definition) Line() int { return d.line }

// EventTypes returns the definition's event type patterns (Python regular
// expressions matched at the start of the event type).
func (d *Definition) EventTypes() []string {
	out := make([]string, len(d.eventTypes))
	for i, r := range d.eventTypes {
		out[i] = r.text
	}
	return out
}

// matchType is MeterDefinition.match_type.
func (d *Definition) matchType(eventType string) (bool, error) {
	for _, r := range d.eventTypes {
		ok, err := r.match(eventType)
		if err != nil {
			return false, fmt.Errorf("meter %q: event_type %q: %w", d.name, r.text, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// The sample attributes a definition may set, in MeterDefinition's
// SAMPLE_ATTRIBUTES order.
const (
	attrName = iota
	attrType
	attrVolume
	attrUnit
	attrTimestamp
	attrUserID
	attrProjectID
	attrResourceID
	numAttrs
)

var sampleAttributes = [numAttrs]string{"name", "type", "volume", "unit", "timestamp", "user_id", "project_id", "resource_id"}

// requiredFields are MeterDefinition.REQUIRED_FIELDS: each must be present
// and truthy (so volume: 0 counts as missing, as in Ceilometer).
var requiredFields = []string{"name", "type", "event_type", "unit", "volume", "resource_id"}

// sampleTypes are ceilometer.sample.TYPES.
var sampleTypes = []string{"gauge", "delta", "cumulative"}

// identityNamePrefix starts the shipped identity.authenticate name
// expression, "$.payload.outcome - $.payload.outcome + 'identity.authenticate.' + $.payload.outcome".
const identityNamePrefix = "$.payload.outcome - $.payload.outcome"

// compiler compiles the definitions of one Load, sharing JSONPaths and
// cache slots between definitions that use the same expression.
type compiler struct {
	timeout time.Duration
	paths   map[string]*compiledPath
	slots   map[string]int
	groups  map[string]int
}

func newCompiler(timeout time.Duration) *compiler {
	return &compiler{
		timeout: timeout,
		paths:   map[string]*compiledPath{},
		slots:   map[string]int{},
		groups:  map[string]int{},
	}
}

func (c *compiler) path(expr string) (*compiledPath, error) {
	if p, ok := c.paths[expr]; ok {
		return p, nil
	}
	p, err := compilePath(expr)
	if err != nil {
		return nil, err
	}
	c.paths[expr] = p
	return p, nil
}

func (c *compiler) slot(expr string) int {
	if s, ok := c.slots[expr]; ok {
		return s
	}
	s := len(c.slots)
	c.slots[expr] = s
	return s
}

// definitionError is a problem with a definition, before it has a file.
type definitionError struct {
	line  int
	field string
	msg   string
}

func (e *definitionError) Error() string { return e.msg }

// compileDefinition is MeterDefinition.__init__, failing on everything that
// Ceilometer rejects when it loads the definition, and also on what would
// stop Ceilometer's agent from starting (a bad regular expression, a
// non-list lookup) or fail on every notification (a plugin parameter of the
// wrong type).
func (c *compiler) compileDefinition(cfg *ynode, file string) (*Definition, error) {
	d := &Definition{file: file, line: cfg.line}
	d.name, _ = cfg.get("name").str()
	fail := func(field string, at *ynode, format string, args ...any) error {
		line := cfg.line
		if at != nil && at.line > 0 {
			line = at.line
		}
		return &definitionError{line, field, fmt.Sprintf(format, args...)}
	}
	fieldFail := func(field string, err error) error {
		if fe, ok := err.(*fieldError); ok && fe.line > 0 {
			return &definitionError{fe.line, field, fe.msg}
		}
		return &definitionError{cfg.line, field, err.Error()}
	}

	var missing []string
	for _, f := range requiredFields {
		if !cfg.get(f).truthy() {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fail(strings.Join(missing, ", "), nil, "required but missing or empty")
	}
	name := cfg.get("name")
	if name.kind != yStr {
		return nil, fail("name", name, "must be a string, not %s %s", name.typeName(), name.String())
	}
	d.identityName = strings.HasPrefix(d.name, identityNamePrefix)

	// event_type: a pattern or a list of them (a mapping's keys, as Python
	// iterates a dict).
	et := cfg.get("event_type")
	var patterns []*ynode
	switch et.kind {
	case yStr:
		patterns = []*ynode{et}
	case ySeq:
		patterns = et.items
	case yMap:
		for _, p := range et.pairs {
			patterns = append(patterns, p.key)
		}
	default:
		return nil, fail("event_type", et, "must be a string or a list of strings, not %s", et.typeName())
	}
	for _, p := range patterns {
		s, ok := p.str()
		if !ok {
			return nil, fail("event_type", p, "pattern must be a string, not %s %s", p.typeName(), p.String())
		}
		re, err := compilePyRegexp(s, c.timeout)
		if err != nil {
			return nil, fail("event_type", p, "regular expression %q: %v", s, err)
		}
		d.eventTypes = append(d.eventTypes, re)
	}

	// lookup, and the type check it can disable.
	lookup := cfg.get("lookup")
	typeLooked := false
	if cfg.has("lookup") {
		switch lookup.kind {
		case yStr:
			s := lookup.v.(string)
			typeLooked = strings.Contains(s, "type") // Python: 'type' in "<str>"
			d.lookup, d.lookupMode = []string{s}, true
		case ySeq:
			for _, it := range lookup.items {
				s, ok := it.str()
				if !ok {
					continue // never equal to an attribute name
				}
				typeLooked = typeLooked || s == "type"
				d.lookup = append(d.lookup, s)
			}
			d.lookupMode = len(lookup.items) > 0
		default:
			return nil, fail("lookup", lookup, "must be a string or a list of strings, not %s", lookup.typeName())
		}
	}
	d.typ, d.unit = cfg.get("type"), cfg.get("unit")
	if !typeLooked {
		s, _ := d.typ.str()
		if d.typ.kind != yStr || !contains(sampleTypes, s) {
			return nil, fail("type", d.typ, "invalid type %s specified (want gauge, delta or cumulative)", d.typ.String())
		}
	}

	for i, a := range sampleAttributes {
		v := cfg.get(a)
		if !v.truthy() {
			continue
		}
		f, err := c.compileField(v)
		if err != nil {
			return nil, fieldFail(a, err)
		}
		d.attrs[i] = f
	}

	group := []string{}
	if cfg.has("metadata") {
		md := cfg.get("metadata")
		switch {
		case md.kind == yMap:
		case (md.kind == ySeq || md.kind == yStr) && !md.truthy():
			md = nil // Python iterates an empty list or string: no metadata
		default:
			return nil, fail("metadata", md, "must be a mapping, not %s", md.typeName())
		}
		if md != nil {
			for _, p := range md.pairs {
				key := p.key.keyString()
				f, err := c.compileField(p.val)
				if err != nil {
					return nil, fieldFail("metadata."+key, err)
				}
				d.metadata = append(d.metadata, metaField{key, f})
				group = append(group, key, fieldKey(f))
			}
		}
	}
	if um := cfg.get("user_metadata"); um.truthy() {
		f, err := c.compileField(um)
		if err != nil {
			return nil, fieldFail("user_metadata", err)
		}
		d.userMeta = f
		group = append(group, "\x00user_metadata", fieldKey(f))
	}
	d.metaGroup = c.group(group)
	d.defaults = [3]any{d.name, d.typ.jsonValue(), d.unit.jsonValue()}
	return d, nil
}

// fieldKey identifies what a field computes, for sharing metadata between
// definitions; fields with plugins are never shared.
func fieldKey(f *field) string {
	switch {
	case f.plugin != nil:
		return fmt.Sprintf("plugin:%p", f)
	case f.isConst:
		return fmt.Sprintf("const:%T:%v", f.constant, f.constant)
	}
	return "path:" + f.expr
}

func (c *compiler) group(parts []string) int {
	key := strings.Join(parts, "\x00")
	if g, ok := c.groups[key]; ok {
		return g
	}
	g := len(c.groups)
	c.groups[key] = g
	return g
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
