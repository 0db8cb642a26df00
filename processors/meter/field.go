package meter

import (
	"errors"
	"fmt"
	"strings"

	"meterflow/processors/jsonpath"
	"meterflow/processors/pyyaml"
)

// field is one declarative value of a meter definition, Ceilometer's
// declarative.Definition: a JSONPath evaluated against the notification, a
// constant integer, or a JSONPath whose matches a plugin turns into values.
//
// In YAML a field is a JSONPath string, an integer, a list of JSONPaths
// (joined as "(a)|(b)"), or {fields: <one of those>, plugin: <name or
// {name, parameters}>}.
type field struct {
	expr     string // the JSONPath as compiled; "" for a constant
	path     *compiledPath
	isConst  bool
	constant any // int64, *big.Int or bool
	plugin   plugin
	// pluginName is the plugin as configured, for messages.
	pluginName string
	// slot indexes the per-notification cache of first values; -1 when the
	// field is not cached (constants and plugin fields).
	slot int
}

// errPluginAllValues is raised by Ceilometer when a lookup definition uses a
// plugin that returns one value per notification.
var errPluginAllValues = errors.New("DefinitionException")

// first is Definition.parse(doc): the first non-None value, or nil.
// sc is reused for the matches a plugin reads.
func (f *field) first(doc any, sc *scratch) (any, error) {
	if f.isConst {
		return f.constant, nil
	}
	if f.plugin == nil {
		return f.path.first(doc)
	}
	ms, err := f.path.matches(doc, sc, f.plugin.needsPaths(), false)
	var values []any
	if err == nil {
		values = f.plugin.values(ms)
	}
	sc.reset()
	if err != nil {
		return nil, err
	}
	for _, v := range values {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

// all is Definition.parse(doc, return_all_values=True): every value, None
// included; for a constant, the constant itself, with isList false.
func (f *field) all(doc any) (values []any, isList bool, err error) {
	if f.isConst {
		return []any{f.constant}, false, nil
	}
	if f.plugin == nil {
		values, err = f.path.all(doc)
		return values, true, err
	}
	if !f.plugin.allValues() {
		return nil, true, fmt.Errorf("%w: Plugin %s don't allows to return multiple values", errPluginAllValues, f.pluginName)
	}
	ms, err := f.path.matches(doc, &scratch{}, f.plugin.needsPaths(), true)
	if err != nil {
		return nil, true, err
	}
	out := f.plugin.values(ms)
	kept := out[:0]
	for _, v := range out {
		if v != nil {
			kept = append(kept, v)
		}
	}
	return kept, true, nil
}

// fieldError is a problem with a field, at the line of the offending value.
type fieldError struct {
	line int
	msg  string
}

func (e *fieldError) Error() string { return e.msg }

func fieldErrorf(n *pyyaml.Value, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &fieldError{line, fmt.Sprintf(format, args...)}
}

// compileField is declarative.Definition.__init__. cfg is the field's value
// from the definition; it is known to be truthy.
func (c *compiler) compileField(cfg *pyyaml.Value) (*field, error) {
	f := &field{slot: -1}
	fields := cfg
	if _, ok := cfg.V.(*pyyaml.Mapping); ok {
		if !cfg.Has("fields") {
			return nil, fieldErrorf(cfg, "the key 'fields' is required when the value is a mapping")
		}
		if cfg.Has("plugin") {
			if err := c.compilePlugin(f, cfg.Get("plugin")); err != nil {
				return nil, err
			}
		}
		fields = cfg.Get("fields")
	}
	if items, ok := valueOf(fields).([]*pyyaml.Value); ok {
		if len(items) == 1 {
			fields = items[0]
		} else {
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = "(" + it.String() + ")"
			}
			return f, c.compilePath(f, fields, strings.Join(parts, "|"))
		}
	}
	if fields.IsInt() {
		f.isConst, f.constant = true, fields.V
		return f, nil
	}
	s, ok := fields.Str()
	if !ok {
		return nil, fieldErrorf(fields, "JSONPath must be a string, not %s %s", fields.TypeName(), fields.String())
	}
	return f, c.compilePath(f, fields, s)
}

// valueOf is v.V, or nil (None) for a missing value.
func valueOf(v *pyyaml.Value) any {
	if v == nil {
		return nil
	}
	return v.V
}

func (c *compiler) compilePath(f *field, at *pyyaml.Value, expr string) error {
	p, err := c.path(expr)
	if err != nil {
		var se *jsonpath.SyntaxError
		if errors.As(err, &se) {
			return fieldErrorf(at, "%v", err) // names the expression and the column
		}
		return fieldErrorf(at, "jsonpath %q: %v", expr, err)
	}
	f.expr, f.path = expr, p
	if f.plugin == nil {
		f.slot = c.slot(expr)
	}
	return nil
}

func (c *compiler) compilePlugin(f *field, pc *pyyaml.Value) error {
	var name, params *pyyaml.Value
	switch valueOf(pc).(type) {
	case string:
		name = pc
	case *pyyaml.Mapping:
		if !pc.Has("name") {
			return fieldErrorf(pc, "plugin specified, but no plugin name supplied")
		}
		name, params = pc.Get("name"), pc.Get("parameters")
		if params != nil && params.V == nil {
			params = nil
		}
		if params != nil {
			pm, ok := params.V.(*pyyaml.Mapping)
			if !ok {
				return fieldErrorf(params, "plugin parameters must be a mapping, not %s", params.TypeName())
			}
			for _, p := range pm.Pairs {
				if _, ok := p.Key.Str(); !ok {
					return fieldErrorf(p.Key, "plugin parameter names must be strings, not %s", p.Key.String())
				}
			}
		}
	default:
		return fieldErrorf(pc, "plugin must be a name or a mapping with a name, not %s", pc.TypeName())
	}
	s, isStr := name.Str()
	factory, ok := pluginFactories[s]
	if !ok || !isStr {
		return fieldErrorf(name, "no plugin named %s available (have %s)", name.String(), pluginNames())
	}
	p, err := factory(params)
	if err != nil {
		return fieldErrorf(pc, "plugin %s: %v", s, err)
	}
	f.plugin, f.pluginName = p, s
	return nil
}
