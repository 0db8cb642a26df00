package meter

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
	"meterflow/processors/pytime"
	"meterflow/processors/pyyaml"
)

// A plugin is one of Ceilometer's ceilometer.event.trait_plugin entry
// points, which meter definitions use through {fields: ..., plugin: ...}:
// it turns the matches of a field's JSONPath into values.
type plugin interface {
	// values is trait_values; nil values are dropped by the caller.
	values(matches []match) []any
	// allValues is support_return_all_values: whether the plugin may be
	// used in a lookup (multi-sample) definition.
	allValues() bool
	// needsPaths reports whether values reads match paths, which cost more
	// to compute than values alone.
	needsPaths() bool
}

// pluginFactories are the plugins of the ceilometer.event.trait_plugin
// namespace in Ceilometer 19, by entry point name. A factory receives the
// plugin's parameters (a mapping, or nil when none are given) and validates
// them, failing where Ceilometer would fail once a notification reaches the
// plugin.
var pluginFactories = map[string]func(params *pyyaml.Value) (plugin, error){
	"split":     newSplitPlugin,
	"bitfield":  newBitfieldPlugin,
	"timedelta": newTimedeltaPlugin,
}

func pluginNames() string {
	names := make([]string, 0, len(pluginFactories))
	for n := range pluginFactories {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// splitPlugin is SplitterTraitPlugin: str(value).split(separator,
// max_split)[segment], or None when there is no such segment.
type splitPlugin struct {
	separator *string // nil: split on runs of whitespace, as str.split(None)
	segment   int
	maxSplit  int // negative: no limit
}

func newSplitPlugin(params *pyyaml.Value) (plugin, error) {
	sep := "."
	p := &splitPlugin{separator: &sep, maxSplit: -1}
	if v := params.Get("separator"); params.Has("separator") {
		switch s, ok := v.Str(); {
		case v.V == nil:
			p.separator = nil
		case !ok:
			return nil, fmt.Errorf("parameter \"separator\": must be a string, not %s", v.TypeName())
		case s == "":
			return nil, fmt.Errorf("parameter \"separator\": empty separator")
		default:
			p.separator = &s
		}
	}
	if v := params.Get("segment"); params.Has("segment") {
		n, ok := smallInt(v)
		if !ok {
			return nil, fmt.Errorf("parameter \"segment\": must be an integer, not %s", v.String())
		}
		p.segment = n
	}
	if v := params.Get("max_split"); params.Has("max_split") && v.V != nil {
		n, ok := smallInt(v)
		if !ok {
			return nil, fmt.Errorf("parameter \"max_split\": must be an integer, not %s", v.String())
		}
		p.maxSplit = n
	}
	return p, nil
}

func (p *splitPlugin) allValues() bool  { return true }
func (p *splitPlugin) needsPaths() bool { return false }

func (p *splitPlugin) values(matches []match) []any {
	out := make([]any, len(matches))
	for i, m := range matches {
		s := jsonv.PyStr(m.Value)
		var parts []string
		if p.separator == nil {
			parts = py.SplitWhitespace(s, p.maxSplit)
		} else {
			n := -1
			if p.maxSplit >= 0 {
				n = p.maxSplit + 1
			}
			parts = strings.SplitN(s, *p.separator, n)
		}
		seg := p.segment
		if seg < 0 {
			seg += len(parts)
		}
		if seg >= 0 && seg < len(parts) {
			out[i] = parts[seg]
		}
	}
	return out
}

// bitfieldPlugin is BitfieldTraitPlugin: initial_bitfield with a bit set
// for each flag whose path matched (with the flag's value, if it has one).
type bitfieldPlugin struct {
	initial *big.Int
	flags   []bitFlag
}

type bitFlag struct {
	path     string
	pathOK   bool // the path is a string; another key never matches
	bit      int
	value    any
	hasValue bool
	neverEq  bool // the value is a YAML date, which equals no JSON value
}

// maxBit bounds flag bits; Python's ints would go on, but no notification
// field has a use for a bitfield wider than this.
const maxBit = 4096

func newBitfieldPlugin(params *pyyaml.Value) (plugin, error) {
	p := &bitfieldPlugin{initial: new(big.Int)}
	if v := params.Get("initial_bitfield"); params.Has("initial_bitfield") {
		if !v.IsInt() {
			return nil, fmt.Errorf("parameter \"initial_bitfield\": must be an integer, not %s", v.String())
		}
		p.initial = bigOf(v.V)
	}
	flags := params.Get("flags")
	if flags == nil || flags.V == nil {
		return p, nil
	}
	items, ok := flags.V.([]*pyyaml.Value)
	if !ok {
		return nil, fmt.Errorf("parameter \"flags\": must be a list, not %s", flags.TypeName())
	}
	for i, f := range items {
		if _, ok := f.V.(*pyyaml.Mapping); !ok {
			return nil, fmt.Errorf("parameter \"flags\" item %d: must be a mapping, not %s", i, f.TypeName())
		}
		path := f.Get("path")
		if !f.Has("path") {
			return nil, fmt.Errorf("parameter \"flags\" item %d: missing \"path\"", i)
		}
		if !f.Has("bit") {
			return nil, fmt.Errorf("parameter \"flags\" item %d: missing \"bit\"", i)
		}
		bit, ok := pyIntOf(f.Get("bit"))
		if !ok || bit < 0 || bit > maxBit {
			return nil, fmt.Errorf("parameter \"flags\" item %d: \"bit\" must be an integer in 0..%d, not %s", i, maxBit, f.Get("bit").String())
		}
		fl := bitFlag{bit: bit}
		fl.path, fl.pathOK = path.Str()
		if f.Has("value") {
			v := f.Get("value")
			fl.hasValue = true
			_, fl.neverEq = v.V.(pyyaml.Timestamp)
			fl.value = jsonValue(v)
		}
		p.flags = append(p.flags, fl)
	}
	return p, nil
}

func (p *bitfieldPlugin) allValues() bool  { return false }
func (p *bitfieldPlugin) needsPaths() bool { return true }

func (p *bitfieldPlugin) values(matches []match) []any {
	bits := new(big.Int).Set(p.initial)
	for _, f := range p.flags {
		if !f.pathOK {
			continue
		}
		// dict(match_list): the last match of a path wins.
		found, value := false, any(nil)
		for _, m := range matches {
			if m.Path == f.path {
				found, value = true, m.Value
			}
		}
		if !found || f.hasValue && (f.neverEq || !jsonv.Equal(value, f.value)) {
			continue
		}
		bits.SetBit(bits, f.bit, 1)
	}
	if bits.IsInt64() {
		return []any{bits.Int64()}
	}
	return []any{bits}
}

// timedeltaPlugin is TimedeltaPlugin: the absolute number of seconds
// between exactly two timestamps, as a float, or None.
type timedeltaPlugin struct{}

func newTimedeltaPlugin(*pyyaml.Value) (plugin, error) { return timedeltaPlugin{}, nil }

func (timedeltaPlugin) allValues() bool  { return false }
func (timedeltaPlugin) needsPaths() bool { return false }

func (timedeltaPlugin) values(matches []match) []any {
	if len(matches) != 2 {
		return []any{nil}
	}
	start, err := pytime.ParseISO(matches[0].Value)
	if err != nil {
		return []any{nil}
	}
	end, err := pytime.ParseISO(matches[1].Value)
	if err != nil {
		return []any{nil}
	}
	return []any{microsToSeconds(end.UnixMicro() - start.UnixMicro())}
}

// microsToSeconds is abs(timedelta(microseconds=us).total_seconds()): the
// correctly rounded quotient us / 10**6.
func microsToSeconds(us int64) float64 {
	if us < 0 {
		us = -us
	}
	if us < 1<<53 {
		return float64(us) / 1e6
	}
	f, _ := new(big.Rat).SetFrac64(us, 1e6).Float64()
	return f
}

// smallInt returns an int-valued parameter (bools count, as in Python).
func smallInt(v *pyyaml.Value) (int, bool) {
	if v == nil {
		return 0, false
	}
	return smallIntOf(v.V)
}

func smallIntOf(v any) (int, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int64:
		if x >= -1<<31 && x < 1<<31 {
			return int(x), true
		}
	}
	return 0, false
}

// pyIntOf is Python's int(v) for a configuration value that must be a
// small int: ints and bools, floats truncated, and strings of decimal digits.
func pyIntOf(v *pyyaml.Value) (int, bool) {
	if v == nil {
		return 0, false
	}
	switch v.V.(type) {
	case bool, int64, float64, string:
		n, err := py.Int(v.V)
		if err != nil {
			return 0, false
		}
		return smallIntOf(n)
	}
	return 0, false
}

func bigOf(v any) *big.Int {
	switch x := v.(type) {
	case bool:
		if x {
			return big.NewInt(1)
		}
		return new(big.Int)
	case int64:
		return big.NewInt(x)
	case *big.Int:
		return new(big.Int).Set(x)
	}
	return new(big.Int)
}
