package event

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
	"meterflow/processors/pytime"
	"meterflow/processors/pyyaml"
)

// fieldMatch is one value a trait's fields matched, with its path as
// Ceilometer's Definition._get_path spells it ("payload.foo.[0].bar").
type fieldMatch struct {
	path  string
	value any
}

// plugin is a Ceilometer trait plugin (ceilometer.event.trait_plugin): it
// turns the non-null matches of a trait's fields into the trait's value.
// ok false is Python's None: the trait is left out of the event.
type plugin interface {
	value(matches []fieldMatch) (v any, ok bool)
}

// pluginSpec describes one plugin Ceilometer 19.0.0 ships.
type pluginSpec struct {
	// build makes a plugin from its parameters (never nil), reporting every
	// problem with them.
	build func(params *pyyaml.Mapping) (plugin, []fieldProblem)
	// paths is set when the plugin reads the matches' paths.
	paths bool
}

// fieldProblem is one thing wrong in a definition, at a line.
type fieldProblem struct {
	line int
	msg  string
}

// pluginSpecs are the entry points of ceilometer.event.trait_plugin in
// Ceilometer 19.0.0.
var pluginSpecs = map[string]pluginSpec{
	"split":     {build: newSplitPlugin},
	"bitfield":  {build: newBitfieldPlugin, paths: true},
	"timedelta": {build: newTimedeltaPlugin},
}

// splitPlugin is SplitterTraitPlugin: str(value).split(separator,
// max_split)[segment] for each match, the first that exists.
type splitPlugin struct {
	separator *string // nil: split on runs of white space, as str.split(None)
	segment   int64
	maxSplit  int64 // negative: no limit
}

func newSplitPlugin(params *pyyaml.Mapping) (plugin, []fieldProblem) {
	sep := "."
	p := &splitPlugin{separator: &sep, maxSplit: -1}
	var problems []fieldProblem
	if v, ok := params.Lookup("separator"); ok {
		switch s := v.V.(type) {
		case nil:
			p.separator = nil
		case string:
			if s == "" {
				problems = append(problems, fieldProblem{v.Line, "split: separator: empty separator"})
			}
			p.separator = &s
		default:
			problems = append(problems, fieldProblem{v.Line, fmt.Sprintf("split: separator: must be a string, not %s", v.TypeName())})
		}
	}
	// Ceilometer formats segment and max_split with %d when it loads the
	// plugin, and indexes and splits with them on every event.
	intParam := func(name string, dst *int64, allowNone bool) {
		v, ok := params.Lookup(name)
		if !ok || v.V == nil && allowNone {
			return
		}
		switch n := v.V.(type) {
		case bool:
			if n {
				*dst = 1
			} else {
				*dst = 0
			}
			return
		case int64:
			*dst = n
			return
		}
		problems = append(problems, fieldProblem{v.Line, fmt.Sprintf("split: %s: must be an integer, not %s", name, v.TypeName())})
	}
	intParam("segment", &p.segment, false)
	intParam("max_split", &p.maxSplit, true)
	return p, problems
}

func (p *splitPlugin) value(matches []fieldMatch) (any, bool) {
	for _, m := range matches {
		if v, ok := p.split(jsonv.PyStr(m.value)); ok {
			return v, true
		}
	}
	return nil, false
}

func (p *splitPlugin) split(s string) (string, bool) {
	// A max_split beyond any string's length is no limit.
	maxSplit := -1
	if p.maxSplit >= 0 && p.maxSplit < math.MaxInt32 {
		maxSplit = int(p.maxSplit)
	}
	var parts []string
	if p.separator == nil {
		parts = py.SplitWhitespace(s, maxSplit)
	} else {
		n := -1
		if maxSplit >= 0 {
			n = maxSplit + 1
		}
		parts = strings.SplitN(s, *p.separator, n)
	}
	i := p.segment
	if i < 0 {
		i += int64(len(parts))
	}
	if i < 0 || i >= int64(len(parts)) {
		return "", false
	}
	return parts[i], true
}

// bitfieldPlugin is BitfieldTraitPlugin: initial_bitfield with bit `bit` set
// for each flag whose path matched (with the flag's value, when it has one).
type bitfieldPlugin struct {
	initial any
	flags   []bitFlag
}

type bitFlag struct {
	path     string
	hasPath  bool // false when the path is not a string: it never matches
	mask     int64
	value    any
	hasValue bool
}

// maxBit keeps bitfields within int64.
const maxBit = 62

func newBitfieldPlugin(params *pyyaml.Mapping) (plugin, []fieldProblem) {
	p := &bitfieldPlugin{initial: int64(0)}
	var problems []fieldProblem
	if v, ok := params.Lookup("initial_bitfield"); ok {
		p.initial = yToJSON(v)
	}
	flags, ok := params.Lookup("flags")
	if !ok || flags.V == nil {
		return p, problems
	}
	var list []*pyyaml.Value
	switch f := flags.V.(type) {
	case []*pyyaml.Value:
		list = f
	case string:
		if f != "" {
			problems = append(problems, fieldProblem{flags.Line, "bitfield: flags: must be a list of {path, bit, value}"})
		}
	case *pyyaml.Mapping:
		if len(f.Pairs) != 0 {
			problems = append(problems, fieldProblem{flags.Line, "bitfield: flags: must be a list of {path, bit, value}"})
		}
	default:
		problems = append(problems, fieldProblem{flags.Line, "bitfield: flags: must be a list of {path, bit, value}"})
	}
	for i, f := range list {
		m, ok := f.V.(*pyyaml.Mapping)
		if !ok {
			problems = append(problems, fieldProblem{f.Line, fmt.Sprintf("bitfield: flags[%d]: must be a mapping with path and bit", i)})
			continue
		}
		var flag bitFlag
		if path, ok := m.Lookup("path"); !ok {
			problems = append(problems, fieldProblem{f.Line, fmt.Sprintf("bitfield: flags[%d]: no path", i)})
		} else {
			switch pv := path.V.(type) {
			case []*pyyaml.Value, *pyyaml.Mapping:
				problems = append(problems, fieldProblem{path.Line, fmt.Sprintf("bitfield: flags[%d]: path: must be a string", i)})
			case string:
				flag.path, flag.hasPath = pv, true
			}
		}
		if bit, ok := m.Lookup("bit"); !ok {
			problems = append(problems, fieldProblem{f.Line, fmt.Sprintf("bitfield: flags[%d]: no bit", i)})
		} else if n, err := py.Int(yToJSON(bit)); err != nil {
			problems = append(problems, fieldProblem{bit.Line, fmt.Sprintf("bitfield: flags[%d]: bit: %v", i, err)})
		} else if b, ok := n.(int64); !ok || b < 0 || b > maxBit {
			problems = append(problems, fieldProblem{bit.Line, fmt.Sprintf("bitfield: flags[%d]: bit: %v is not between 0 and %d", i, n, maxBit)})
		} else {
			flag.mask = 1 << b
		}
		if v, ok := m.Lookup("value"); ok {
			flag.value, flag.hasValue = yToJSON(v), true
		}
		p.flags = append(p.flags, flag)
	}
	if len(p.flags) > 0 {
		switch p.initial.(type) {
		case bool, int64:
		default:
			problems = append(problems, fieldProblem{flags.Line, fmt.Sprintf("bitfield: initial_bitfield: must be an integer, not %s", py.TypeName(p.initial))})
		}
	}
	return p, problems
}

func (p *bitfieldPlugin) value(matches []fieldMatch) (any, bool) {
	var bits int64
	for _, f := range p.flags {
		if !f.hasPath {
			continue
		}
		// dict(match_list): the last match with a path wins.
		var v any
		found := false
		for i := len(matches) - 1; i >= 0; i-- {
			if matches[i].path == f.path {
				v, found = matches[i].value, true
				break
			}
		}
		if found && (!f.hasValue || jsonv.Equal(v, f.value)) {
			bits |= f.mask
		}
	}
	if bits == 0 {
		return p.initial, p.initial != nil
	}
	switch init := p.initial.(type) {
	case bool:
		if init {
			bits |= 1
		}
	case int64:
		bits |= init
	}
	return bits, true
}

// timedeltaPlugin is TimedeltaPlugin: the absolute number of seconds between
// exactly two matched timestamps, else nothing.
type timedeltaPlugin struct{}

func newTimedeltaPlugin(*pyyaml.Mapping) (plugin, []fieldProblem) { return timedeltaPlugin{}, nil }

func (timedeltaPlugin) value(matches []fieldMatch) (any, bool) {
	if len(matches) != 2 {
		return nil, false
	}
	start, err1 := pytime.ParseISO(matches[0].value)
	end, err2 := pytime.ParseISO(matches[1].value)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	us := end.UnixMicro() - start.UnixMicro()
	if us < 0 {
		us = -us
	}
	// timedelta.total_seconds(): microseconds / 10**6, correctly rounded.
	if us < 1<<53 {
		return float64(us) / 1e6, true
	}
	f, _ := big.NewRat(us, 1000000).Float64()
	return f, true
}

// yToJSON converts a YAML value to a JSON value for comparisons with
// notification values. A timestamp, or a mapping with keys that are not
// strings, becomes a value equal to no JSON value.
func yToJSON(y *pyyaml.Value) any {
	switch v := y.V.(type) {
	case []*pyyaml.Value:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = yToJSON(e)
		}
		return out
	case *pyyaml.Mapping:
		o := jsonv.NewObject(len(v.Pairs))
		for _, p := range v.Pairs {
			s, ok := p.Key.Str()
			if !ok {
				return unmatchable{}
			}
			o.Set(s, yToJSON(p.Value))
		}
		return o
	case pyyaml.Timestamp:
		return unmatchable{}
	}
	return y.V
}

// unmatchable stands for a YAML value no JSON value equals.
type unmatchable struct{}
