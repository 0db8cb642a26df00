package event

import (
	"fmt"
	"strings"

	"meterflow/processors"
	"meterflow/processors/jsonpath"
	"meterflow/processors/jsonv"
	"meterflow/processors/py"
	"meterflow/processors/pytime"
	"meterflow/processors/pyyaml"
)

// traitNone is Ceilometer's Trait.NONE_TYPE, which a definition gets with
// `type: none`: its values are converted as text.
const traitNone processors.TraitType = 0

// traitTypes maps `type` names, upper-cased as Trait.get_type_by_name does,
// to trait types.
var traitTypes = map[string]processors.TraitType{
	"NONE":     traitNone,
	"TEXT":     processors.TraitText,
	"INT":      processors.TraitInt,
	"FLOAT":    processors.TraitFloat,
	"DATETIME": processors.TraitDatetime,
}

func typeName(t processors.TraitType) string {
	for name, tt := range traitTypes {
		if tt == t {
			return strings.ToLower(name)
		}
	}
	return fmt.Sprint(int(t))
}

// traitDef is one trait of a definition (Ceilometer's TraitDefinition): where
// its value is found, how a plugin reshapes it and the type it converts to.
type traitDef struct {
	name string
	typ  processors.TraitType
	// expr is the JSONPath expression as compiled (a list of fields is
	// joined as "(a)|(b)"); path is nil when fields is an integer, which is
	// then the value itself (constant).
	expr     string
	path     *jsonpath.Path
	constant any
	plugin   plugin
	paths    bool // the plugin reads the matches' paths
}

// value is Definition.parse: the first non-null match, or what the plugin
// makes of the non-null matches. The error is a JSONPath evaluation that
// raises in Ceilometer.
func (t *traitDef) value(doc any) (any, bool, error) {
	if t.path == nil {
		return t.constant, true, nil
	}
	if t.plugin == nil {
		return t.path.EvalFirst(doc)
	}
	var matches []fieldMatch
	if t.paths {
		ms, err := t.path.EvalMatches(doc)
		if err != nil {
			return nil, false, err
		}
		for _, m := range ms {
			if m.Value != nil {
				matches = append(matches, fieldMatch{path: m.Path, value: m.Value})
			}
		}
	} else {
		vs, err := t.path.Eval(doc)
		if err != nil {
			return nil, false, err
		}
		for _, v := range vs {
			if v != nil {
				matches = append(matches, fieldMatch{value: v})
			}
		}
	}
	v, ok := t.plugin.value(matches)
	return v, ok, nil
}

// trait is TraitDefinition.to_trait: the trait, ok false when the
// notification has no value for it (or, for a type other than text, the
// empty string), or an error when the value does not convert to the type.
func (t *traitDef) trait(doc any) (processors.Trait, bool, error) {
	v, ok, err := t.value(doc)
	if err != nil {
		return processors.Trait{}, false, err
	}
	if !ok || v == nil {
		return processors.Trait{}, false, nil
	}
	// Some projects (mostly Nova) send "" for null fields such as dates.
	if s, isStr := v.(string); isStr && s == "" && t.typ != processors.TraitText {
		return processors.Trait{}, false, nil
	}
	switch t.typ {
	case processors.TraitInt:
		v, err = py.Int(v)
	case processors.TraitFloat:
		v, err = py.Float(v)
	case processors.TraitDatetime:
		var s string
		if s, err = normalizeISOTime(v); err == nil {
			// v already holds s when the value was in normal form: keep
			// it rather than boxing s again.
			if in, isStr := v.(string); !isStr || in != s {
				v = s
			}
		}
	default:
		// A string that needs no cropping is kept as is, without boxing
		// it into a new interface value.
		if s, isStr := v.(string); !isStr || len(s) > maxTextLen {
			v = pyText(v)
		}
	}
	if err != nil {
		return processors.Trait{}, false, err
	}
	return processors.Trait{Name: t.name, Type: t.typ, Value: v}, true, nil
}

// normalizeISOTime is Ceilometer's datetime conversion,
// timeutils.normalize_time(timeutils.parse_isotime(v)), formatted as
// datetime.isoformat() formats the naive UTC time it gives.
func normalizeISOTime(v any) (string, error) {
	t, err := pytime.ParseISO(v)
	if err != nil {
		return "", err
	}
	if t, err = t.Normalize(); err != nil {
		return "", err
	}
	return t.ISOFormatOf(v), nil
}

// pathCache shares compiled expressions between the traits of a file, as
// Ceilometer's Definition.GETTERS_CACHE does.
type pathCache map[string]*jsonpath.Path

func (c pathCache) compile(expr string) (*jsonpath.Path, error) {
	if p, ok := c[expr]; ok {
		return p, nil
	}
	p, err := jsonpath.Compile(expr)
	if err != nil {
		return nil, err
	}
	c[expr] = p
	return p, nil
}

// newTraitDef builds a trait from its configuration as TraitDefinition does,
// collecting every problem rather than stopping at the first. cfg is a
// mapping {fields, type, plugin} or, for short, the fields alone.
func newTraitDef(name string, cfg *pyyaml.Value, paths pathCache) (*traitDef, []fieldProblem) {
	t := &traitDef{name: name, typ: processors.TraitText}
	var problems []fieldProblem
	add := func(line int, format string, args ...any) {
		problems = append(problems, fieldProblem{line, fmt.Sprintf(format, args...)})
	}
	fields := cfg
	if m, ok := cfg.V.(*pyyaml.Mapping); ok {
		if typ, ok := m.Lookup("type"); ok {
			name, isStr := typ.Str()
			if !isStr {
				add(typ.Line, "type: must be a string, not %s", typ.TypeName())
			} else if tt, known := traitTypes[strings.ToUpper(name)]; known {
				t.typ = tt
			} else {
				add(typ.Line, "unknown type %q (want text, int, float or datetime)", name)
			}
		}
		if p, ok := m.Lookup("plugin"); ok {
			t.plugin, t.paths = buildPlugin(p, &problems)
		}
		f, ok := m.Lookup("fields")
		if !ok {
			add(cfg.Line, "no fields")
			return t, problems
		}
		fields = f
	}
	expr, constant, isConst, msg := fieldsExpr(fields)
	switch {
	case msg != "":
		add(fields.Line, "fields: %s", msg)
	case isConst:
		t.constant = constant
		// A constant that does not convert would fail every event.
		if _, _, err := t.trait(nil); err != nil {
			add(fields.Line, "fields: %v does not convert to %s: %v", jsonv.PyRepr(constant), typeName(t.typ), err)
		}
	default:
		t.expr = expr
		p, err := paths.compile(expr)
		if err != nil {
			add(fields.Line, "fields: %q: %v", expr, err)
		}
		t.path = p
	}
	return t, problems
}

// fieldsExpr reads `fields` as Definition does: a JSONPath string; a list of
// them, one or joined as the union "(a)|(b)"; or an integer, which is the
// value itself.
func fieldsExpr(f *pyyaml.Value) (expr string, constant any, isConst bool, problem string) {
	if list, ok := f.V.([]*pyyaml.Value); ok {
		switch len(list) {
		case 0:
			return "", nil, false, "empty list"
		case 1:
			f = list[0]
		default:
			parts := make([]string, len(list))
			for i, e := range list {
				switch v := e.V.(type) {
				case []*pyyaml.Value, *pyyaml.Mapping, pyyaml.Timestamp:
					return "", nil, false, fmt.Sprintf("item %d: not a JSONPath expression but a %s", i, e.TypeName())
				case string:
					parts[i] = "(" + v + ")"
				default:
					parts[i] = "(" + jsonv.PyStr(v) + ")"
				}
			}
			return strings.Join(parts, "|"), nil, false, ""
		}
	}
	switch v := f.V.(type) {
	case string:
		return v, nil, false, ""
	case bool, int64:
		return "", v, true, ""
	case nil:
		return "", nil, false, "null is not a JSONPath expression"
	}
	return "", nil, false, fmt.Sprintf("not a JSONPath expression but a %s", f.TypeName())
}

// buildPlugin reads `plugin`: a name, or {name, parameters}.
func buildPlugin(cfg *pyyaml.Value, problems *[]fieldProblem) (plugin, bool) {
	add := func(line int, format string, args ...any) {
		*problems = append(*problems, fieldProblem{line, fmt.Sprintf(format, args...)})
	}
	var nameVal *pyyaml.Value
	params := &pyyaml.Mapping{}
	switch c := cfg.V.(type) {
	case string:
		nameVal = cfg
	case *pyyaml.Mapping:
		n, ok := c.Lookup("name")
		if !ok {
			add(cfg.Line, "plugin: no name")
			return nil, false
		}
		nameVal = n
		if p, ok := c.Lookup("parameters"); ok && p.V != nil {
			pm, ok := p.V.(*pyyaml.Mapping)
			if !ok {
				add(p.Line, "plugin: parameters: must be a mapping, not %s", p.TypeName())
				return nil, false
			}
			for _, pair := range pm.Pairs {
				if _, ok := pair.Key.Str(); !ok {
					add(pair.Key.Line, "plugin: parameters: %s: keys must be strings", jsonv.PyRepr(yToJSON(pair.Key)))
					return nil, false
				}
			}
			params = pm
		}
	default:
		add(cfg.Line, "plugin: must be a name or {name, parameters}, not %s", cfg.TypeName())
		return nil, false
	}
	name, isStr := nameVal.Str()
	spec, ok := pluginSpecs[name]
	if !ok || !isStr {
		add(nameVal.Line, "plugin: no plugin named %s (want split, bitfield or timedelta)", jsonv.PyRepr(yToJSON(nameVal)))
		return nil, false
	}
	p, ps := spec.build(params)
	for _, pr := range ps {
		add(pr.line, "plugin: %s", pr.msg)
	}
	return p, spec.paths
}
