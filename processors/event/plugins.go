package event

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"meterflow/processors/jsonv"
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
	build func(params *ymap) (plugin, []fieldProblem)
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

func newSplitPlugin(params *ymap) (plugin, []fieldProblem) {
	sep := "."
	p := &splitPlugin{separator: &sep, maxSplit: -1}
	var problems []fieldProblem
	if v, ok := params.get("separator"); ok {
		switch s := v.v.(type) {
		case nil:
			p.separator = nil
		case string:
			if s == "" {
				problems = append(problems, fieldProblem{v.line, "split: separator: empty separator"})
			}
			p.separator = &s
		default:
			problems = append(problems, fieldProblem{v.line, fmt.Sprintf("split: separator: must be a string, not %s", yTypeName(v))})
		}
	}
	// Ceilometer formats segment and max_split with %d when it loads the
	// plugin, and indexes and splits with them on every event.
	intParam := func(name string, dst *int64, allowNone bool) {
		v, ok := params.get(name)
		if !ok || v.v == nil && allowNone {
			return
		}
		switch n := v.v.(type) {
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
		problems = append(problems, fieldProblem{v.line, fmt.Sprintf("split: %s: must be an integer, not %s", name, yTypeName(v))})
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
	var parts []string
	if p.separator == nil {
		parts = splitWhitespace(s, p.maxSplit)
	} else {
		n := -1
		if p.maxSplit >= 0 && p.maxSplit < math.MaxInt32 {
			n = int(p.maxSplit) + 1
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

// splitWhitespace is Python's str.split(None, maxsplit).
func splitWhitespace(s string, maxSplit int64) []string {
	r := []rune(s)
	var out []string
	i := 0
	for count := maxSplit; maxSplit < 0 || count > 0; count-- {
		for i < len(r) && pyIsSpace(r[i]) {
			i++
		}
		if i == len(r) {
			return out
		}
		j := i
		for i < len(r) && !pyIsSpace(r[i]) {
			i++
		}
		out = append(out, string(r[j:i]))
	}
	for i < len(r) && pyIsSpace(r[i]) {
		i++
	}
	if i < len(r) {
		out = append(out, string(r[i:]))
	}
	return out
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

func newBitfieldPlugin(params *ymap) (plugin, []fieldProblem) {
	p := &bitfieldPlugin{initial: int64(0)}
	var problems []fieldProblem
	if v, ok := params.get("initial_bitfield"); ok {
		p.initial = yToJSON(v)
	}
	flags, ok := params.get("flags")
	if !ok || flags.v == nil {
		return p, problems
	}
	var list []*yval
	switch f := flags.v.(type) {
	case []*yval:
		list = f
	case string:
		if f != "" {
			problems = append(problems, fieldProblem{flags.line, "bitfield: flags: must be a list of {path, bit, value}"})
		}
	case *ymap:
		if len(f.keys) != 0 {
			problems = append(problems, fieldProblem{flags.line, "bitfield: flags: must be a list of {path, bit, value}"})
		}
	default:
		problems = append(problems, fieldProblem{flags.line, "bitfield: flags: must be a list of {path, bit, value}"})
	}
	for i, f := range list {
		m, ok := f.v.(*ymap)
		if !ok {
			problems = append(problems, fieldProblem{f.line, fmt.Sprintf("bitfield: flags[%d]: must be a mapping with path and bit", i)})
			continue
		}
		var flag bitFlag
		if path, ok := m.get("path"); !ok {
			problems = append(problems, fieldProblem{f.line, fmt.Sprintf("bitfield: flags[%d]: no path", i)})
		} else {
			switch pv := path.v.(type) {
			case []*yval, *ymap:
				problems = append(problems, fieldProblem{path.line, fmt.Sprintf("bitfield: flags[%d]: path: must be a string", i)})
			case string:
				flag.path, flag.hasPath = pv, true
			}
		}
		if bit, ok := m.get("bit"); !ok {
			problems = append(problems, fieldProblem{f.line, fmt.Sprintf("bitfield: flags[%d]: no bit", i)})
		} else if n, err := pyInt(yToJSON(bit)); err != nil {
			problems = append(problems, fieldProblem{bit.line, fmt.Sprintf("bitfield: flags[%d]: bit: %v", i, err)})
		} else if b, ok := n.(int64); !ok || b < 0 || b > maxBit {
			problems = append(problems, fieldProblem{bit.line, fmt.Sprintf("bitfield: flags[%d]: bit: %v is not between 0 and %d", i, n, maxBit)})
		} else {
			flag.mask = 1 << b
		}
		if v, ok := m.get("value"); ok {
			flag.value, flag.hasValue = yToJSON(v), true
		}
		p.flags = append(p.flags, flag)
	}
	if len(p.flags) > 0 {
		switch p.initial.(type) {
		case bool, int64:
		default:
			problems = append(problems, fieldProblem{flags.line, fmt.Sprintf("bitfield: initial_bitfield: must be an integer, not %s", pyTypeName(p.initial))})
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

func newTimedeltaPlugin(*ymap) (plugin, []fieldProblem) { return timedeltaPlugin{}, nil }

func (timedeltaPlugin) value(matches []fieldMatch) (any, bool) {
	if len(matches) != 2 {
		return nil, false
	}
	start, err1 := parseISOTime(matches[0].value)
	end, err2 := parseISOTime(matches[1].value)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	us := end.micros() - start.micros()
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
func yToJSON(y *yval) any {
	switch v := y.v.(type) {
	case []*yval:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = yToJSON(e)
		}
		return out
	case *ymap:
		o := jsonv.NewObject(len(v.keys))
		for i, k := range v.keys {
			s, ok := k.v.(string)
			if !ok {
				return unmatchable{}
			}
			o.Set(s, yToJSON(v.vals[i]))
		}
		return o
	case yTimestamp:
		return unmatchable{}
	}
	return y.v
}

// unmatchable stands for a YAML value no JSON value equals.
type unmatchable struct{}

func yTypeName(y *yval) string {
	switch y.v.(type) {
	case []*yval:
		return "list"
	case *ymap:
		return "dict"
	case yTimestamp:
		return "datetime"
	}
	return pyTypeName(y.v)
}
