package meter

import (
	"fmt"
	"strings"
	"time"

	"meterflow/processors/jsonv"
	"meterflow/processors/pyre"
	"meterflow/processors/pyyaml"
)

// Definition is one compiled meter definition: an item of the "metric" list
// of a definition file (Ceilometer's MeterDefinition). It is immutable and
// safe for concurrent use.
type Definition struct {
	name string // as written; a JSONPath for lookup definitions
	file string
	line int

	eventTypes []*pyre.Regexp

	// Sample defaults, as written (cfg["type"], cfg["unit"]).
	typ, unit *pyyaml.Value
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
		out[i] = r.String()
	}
	return out
}

// matchType is MeterDefinition.match_type.
func (d *Definition) matchType(eventType string) (bool, error) {
	for _, r := range d.eventTypes {
		ok, err := r.Match(eventType)
		if err != nil {
			return false, fmt.Errorf("meter %q: event_type %q: %w", d.name, r.String(), err)
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
func (c *compiler) compileDefinition(cfg *pyyaml.Value, file string) (*Definition, error) {
	d := &Definition{file: file, line: cfg.Line}
	d.name, _ = cfg.Get("name").Str()
	fail := func(field string, at *pyyaml.Value, format string, args ...any) error {
		line := cfg.Line
		if at != nil && at.Line > 0 {
			line = at.Line
		}
		return &definitionError{line, field, fmt.Sprintf(format, args...)}
	}
	fieldFail := func(field string, err error) error {
		if fe, ok := err.(*fieldError); ok && fe.line > 0 {
			return &definitionError{fe.line, field, fe.msg}
		}
		return &definitionError{cfg.Line, field, err.Error()}
	}

	var missing []string
	for _, f := range requiredFields {
		if !cfg.Get(f).Truthy() {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fail(strings.Join(missing, ", "), nil, "required but missing or empty")
	}
	name := cfg.Get("name")
	if _, ok := name.Str(); !ok {
		return nil, fail("name", name, "must be a string, not %s %s", name.TypeName(), name.String())
	}
	d.identityName = strings.HasPrefix(d.name, identityNamePrefix)

	// event_type: a pattern or a list of them (a mapping's keys, as Python
	// iterates a dict).
	et := cfg.Get("event_type")
	var patterns []*pyyaml.Value
	switch v := et.V.(type) {
	case string:
		patterns = []*pyyaml.Value{et}
	case []*pyyaml.Value:
		patterns = v
	case *pyyaml.Mapping:
		for _, p := range v.Pairs {
			patterns = append(patterns, p.Key)
		}
	default:
		return nil, fail("event_type", et, "must be a string or a list of strings, not %s", et.TypeName())
	}
	for _, p := range patterns {
		s, ok := p.Str()
		if !ok {
			return nil, fail("event_type", p, "pattern must be a string, not %s %s", p.TypeName(), p.String())
		}
		re, err := pyre.Compile(s, c.timeout)
		if err != nil {
			return nil, fail("event_type", p, "regular expression %q: %v", s, err)
		}
		d.eventTypes = append(d.eventTypes, re)
	}

	// lookup, and the type check it can disable.
	lookup := cfg.Get("lookup")
	typeLooked := false
	if cfg.Has("lookup") {
		switch v := lookup.V.(type) {
		case string:
			typeLooked = strings.Contains(v, "type") // Python: 'type' in "<str>"
			d.lookup, d.lookupMode = []string{v}, true
		case []*pyyaml.Value:
			for _, it := range v {
				s, ok := it.Str()
				if !ok {
					continue // never equal to an attribute name
				}
				typeLooked = typeLooked || s == "type"
				d.lookup = append(d.lookup, s)
			}
			d.lookupMode = len(v) > 0
		default:
			return nil, fail("lookup", lookup, "must be a string or a list of strings, not %s", lookup.TypeName())
		}
	}
	d.typ, d.unit = cfg.Get("type"), cfg.Get("unit")
	if !typeLooked {
		if s, ok := d.typ.Str(); !ok || !contains(sampleTypes, s) {
			return nil, fail("type", d.typ, "invalid type %s specified (want gauge, delta or cumulative)", d.typ.String())
		}
	}

	for i, a := range sampleAttributes {
		v := cfg.Get(a)
		if !v.Truthy() {
			continue
		}
		f, err := c.compileField(v)
		if err != nil {
			return nil, fieldFail(a, err)
		}
		d.attrs[i] = f
	}

	group := []string{}
	if cfg.Has("metadata") {
		md := cfg.Get("metadata")
		var pairs []pyyaml.Pair
		switch v := md.V.(type) {
		case *pyyaml.Mapping:
			pairs = v.Pairs
		case []*pyyaml.Value, string:
			// Python iterates an empty list or string: no metadata.
			if md.Truthy() {
				return nil, fail("metadata", md, "must be a mapping, not %s", md.TypeName())
			}
		default:
			return nil, fail("metadata", md, "must be a mapping, not %s", md.TypeName())
		}
		for _, p := range pairs {
			key := keyString(p.Key)
			f, err := c.compileField(p.Value)
			if err != nil {
				return nil, fieldFail("metadata."+key, err)
			}
			d.metadata = append(d.metadata, metaField{key, f})
			group = append(group, key, fieldKey(f))
		}
	}
	if um := cfg.Get("user_metadata"); um.Truthy() {
		f, err := c.compileField(um)
		if err != nil {
			return nil, fieldFail("user_metadata", err)
		}
		d.userMeta = f
		group = append(group, "\x00user_metadata", fieldKey(f))
	}
	d.metaGroup = c.group(group)
	d.defaults = [3]any{d.name, jsonValue(d.typ), jsonValue(d.unit)}
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

// jsonValue converts a configuration value into the jsonv model, as
// Python's json module would see it: mapping keys become strings the way
// json.dumps writes non-string keys, dates their text.
func jsonValue(v *pyyaml.Value) any {
	if v == nil {
		return nil
	}
	switch x := v.V.(type) {
	case []*pyyaml.Value:
		l := make([]any, len(x))
		for i, it := range x {
			l[i] = jsonValue(it)
		}
		return l
	case *pyyaml.Mapping:
		o := jsonv.NewObject(len(x.Pairs))
		for _, p := range x.Pairs {
			o.Set(keyString(p.Key), jsonValue(p.Value))
		}
		return o
	case pyyaml.Timestamp:
		return string(x)
	}
	return v.V
}

// keyString is the text json.dumps writes for a mapping key.
func keyString(k *pyyaml.Value) string {
	switch x := k.V.(type) {
	case string:
		return x
	case pyyaml.Timestamp:
		return string(x)
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return string(jsonv.Marshal(x))
	}
	return jsonv.PyStr(k.V)
}
