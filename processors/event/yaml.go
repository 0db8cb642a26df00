package event

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"meterflow/processors/jsonv"
)

// This file reads YAML the way Ceilometer does, with PyYAML's safe_load:
// YAML 1.1 scalars (yes/no/on/off are booleans, 017 is octal, 1:30 is 90),
// merge keys (<<) flattened as PyYAML flattens them, and duplicate keys
// allowed (the first position, the last value). yaml.v3 does the parsing;
// only its node tree is used, never its own scalar resolution.

// yval is a constructed YAML value with the line it starts on.
//
// v is nil, bool, int64, *big.Int, float64, string, yTimestamp, []*yval
// or *ymap.
type yval struct {
	line int
	v    any
	size int // values under v with aliases expanded, saturating above maxYAMLValues
}

// yTimestamp is a YAML timestamp (2026-11-02 or 2026-11-02 10:00:00). PyYAML
// makes it a datetime, which no definition field accepts.
type yTimestamp string

// ymap is a YAML mapping as the Python dict PyYAML builds from it.
type ymap struct {
	keys []*yval
	vals []*yval
}

// get returns the value under the string key k.
func (m *ymap) get(k string) (*yval, bool) {
	for i, key := range m.keys {
		if s, ok := key.v.(string); ok && s == k {
			return m.vals[i], true
		}
	}
	return nil, false
}

// maxYAMLValues bounds the size of a document once its aliases are expanded,
// against "billion laughs" documents.
const maxYAMLValues = 1 << 20

// parseYAML parses a single-document YAML file into a yval. An empty document
// is nil (Python None). Errors carry the line where yaml.v3 reports one.
func parseYAML(data []byte) (*yval, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yval{line: 1, size: 1}, nil
		}
		return nil, yamlSyntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &yamlError{line: extra.Line, msg: "expected a single document in the stream, found another"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlSyntaxError(err)
	}
	c := &yconstructor{done: map[*yaml.Node]*yval{}, active: map[*yaml.Node]bool{}}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &yval{line: root.Line, size: 1}, nil
		}
		root = root.Content[0]
	}
	return c.construct(root)
}

// yamlError is a YAML error at a line (0 when unknown).
type yamlError struct {
	line int
	msg  string
}

func (e *yamlError) Error() string { return e.msg }

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlSyntaxError(err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &yamlError{line: line, msg: m[2]}
	}
	return &yamlError{msg: strings.TrimPrefix(msg, "yaml: ")}
}

type yconstructor struct {
	done   map[*yaml.Node]*yval
	active map[*yaml.Node]bool // nodes being constructed, to refuse recursive aliases
	count  int                 // values constructed, counting every alias expansion
}

func (c *yconstructor) construct(n *yaml.Node) (*yval, error) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, &yamlError{line: n.Line, msg: "unknown alias"}
		}
		target := n.Alias
		if c.active[target] {
			return nil, &yamlError{line: n.Line, msg: fmt.Sprintf("recursive alias *%s is not supported", n.Value)}
		}
		v, err := c.construct(target)
		if err != nil {
			return nil, err
		}
		c.count += v.size
		if c.count > maxYAMLValues {
			return nil, &yamlError{line: n.Line, msg: "document too large once its aliases are expanded"}
		}
		return v, nil
	}
	if v, ok := c.done[n]; ok {
		return v, nil
	}
	c.active[n] = true
	defer delete(c.active, n)
	c.count++
	var v *yval
	var err error
	switch n.Kind {
	case yaml.ScalarNode:
		v, err = constructScalar(n)
	case yaml.SequenceNode:
		v, err = c.constructSeq(n)
	case yaml.MappingNode:
		v, err = c.constructMap(n)
	default:
		err = &yamlError{line: n.Line, msg: "unexpected YAML node"}
	}
	if err != nil {
		return nil, err
	}
	c.done[n] = v.setSize()
	return v, nil
}

// setSize computes v.size from its children's.
func (v *yval) setSize() *yval {
	n := 1
	switch x := v.v.(type) {
	case []*yval:
		for _, e := range x {
			n += e.size
		}
	case *ymap:
		for i := range x.keys {
			n += x.keys[i].size + x.vals[i].size
		}
	}
	v.size = min(n, maxYAMLValues+1)
	return v
}

func explicitTag(n *yaml.Node) string {
	if n.Style&yaml.TaggedStyle == 0 {
		return ""
	}
	return n.Tag
}

func (c *yconstructor) constructSeq(n *yaml.Node) (*yval, error) {
	if t := explicitTag(n); t != "" && t != "!!seq" {
		return nil, unsupportedTag(n, t)
	}
	items := make([]*yval, 0, len(n.Content))
	for _, e := range n.Content {
		v, err := c.construct(e)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return &yval{line: n.Line, v: items}, nil
}

func isMergeKey(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&^yaml.TaggedStyle == 0 &&
		(explicitTag(n) == "" && n.Value == "<<" || explicitTag(n) == "!!merge")
}

// flatten returns the key/value node pairs of a mapping with its merge keys
// resolved as PyYAML's flatten_mapping does: merged pairs first (of a list of
// merged mappings, the last one's first), then the mapping's own.
func (c *yconstructor) flatten(n *yaml.Node, depth int) ([]*yaml.Node, error) {
	if depth > 100 {
		return nil, &yamlError{line: n.Line, msg: "merge keys nested too deeply"}
	}
	var merged, own []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMergeKey(k) {
			own = append(own, k, v)
			continue
		}
		target := deref(v)
		switch target.Kind {
		case yaml.MappingNode:
			pairs, err := c.flatten(target, depth+1)
			if err != nil {
				return nil, err
			}
			merged = append(merged, pairs...)
		case yaml.SequenceNode:
			var sub [][]*yaml.Node
			for _, e := range target.Content {
				e = deref(e)
				if e.Kind != yaml.MappingNode {
					return nil, &yamlError{line: e.Line, msg: "expected a mapping for merging, but found " + kindName(e)}
				}
				pairs, err := c.flatten(e, depth+1)
				if err != nil {
					return nil, err
				}
				sub = append(sub, pairs)
			}
			for i := len(sub) - 1; i >= 0; i-- {
				merged = append(merged, sub[i]...)
			}
		default:
			return nil, &yamlError{line: v.Line, msg: "expected a mapping or list of mappings for merging, but found " + kindName(target)}
		}
		c.count += len(merged)
		if c.count > maxYAMLValues {
			return nil, &yamlError{line: n.Line, msg: "document too large once its aliases are expanded"}
		}
	}
	return append(merged, own...), nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return "scalar"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.MappingNode:
		return "mapping"
	}
	return "alias"
}

func (c *yconstructor) constructMap(n *yaml.Node) (*yval, error) {
	if t := explicitTag(n); t != "" && t != "!!map" {
		return nil, unsupportedTag(n, t)
	}
	pairs, err := c.flatten(n, 0)
	if err != nil {
		return nil, err
	}
	m := &ymap{}
	for i := 0; i < len(pairs); i += 2 {
		kn := pairs[i]
		var k *yval
		if kn.Kind == yaml.ScalarNode && kn.Style == 0 && kn.Value == "=" {
			k = &yval{line: kn.Line, v: "=", size: 1} // PyYAML's "value" key is a string
		} else if k, err = c.construct(kn); err != nil {
			return nil, err
		}
		switch k.v.(type) {
		case []*yval, *ymap:
			return nil, &yamlError{line: kn.Line, msg: "found unhashable key"}
		}
		v, err := c.construct(pairs[i+1])
		if err != nil {
			return nil, err
		}
		if j := m.index(k); j >= 0 {
			m.vals[j] = v // a Python dict keeps the first position, the last value
			continue
		}
		m.keys = append(m.keys, k)
		m.vals = append(m.vals, v)
	}
	return &yval{line: n.Line, v: m}, nil
}

// index finds k among m's keys with Python's dict key equality
// (1 == 1.0 == True).
func (m *ymap) index(k *yval) int {
	for i, key := range m.keys {
		if scalarEqual(key.v, k.v) {
			return i
		}
	}
	return -1
}

func scalarEqual(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		s, ok := b.(string)
		return ok && s == a
	case yTimestamp:
		s, ok := b.(yTimestamp)
		return ok && s == a
	}
	switch b.(type) {
	case nil, string, yTimestamp:
		return false
	}
	return jsonv.Equal(a, b)
}

func unsupportedTag(n *yaml.Node, tag string) error {
	return &yamlError{line: n.Line, msg: fmt.Sprintf("could not determine a constructor for the tag %s", tag)}
}

// PyYAML's implicit resolvers (resolver.py), in the order it tries them.
var (
	yBoolRE  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yFloatRE = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?` +
		`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
		`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
		`|[-+]?\.(?:inf|Inf|INF)` +
		`|\.(?:nan|NaN|NAN))$`)
	yIntRE = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+` +
		`|[-+]?0[0-7_]+` +
		`|[-+]?(?:0|[1-9][0-9_]*)` +
		`|[-+]?0x[0-9a-fA-F_]+` +
		`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yNullRE      = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yTimestampRE = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]` +
		`|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?` +
		`(?:[Tt]|[ \t]+)[0-9][0-9]?` +
		`:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?` +
		`(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

func constructScalar(n *yaml.Node) (*yval, error) {
	s := n.Value
	tag := explicitTag(n)
	if tag == "" {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			tag = "!!str"
		} else {
			tag = resolvePlain(s)
		}
	}
	v := &yval{line: n.Line}
	var err error
	switch tag {
	case "!!str":
		v.v = s
	case "!!null":
		v.v = nil
	case "!!bool":
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			v.v = true
		case "no", "false", "off":
			v.v = false
		default:
			err = fmt.Errorf("invalid boolean %q", s)
		}
	case "!!int":
		v.v, err = constructInt(s)
	case "!!float":
		v.v, err = constructFloat(s)
	case "!!timestamp":
		v.v = yTimestamp(s)
	default:
		return nil, unsupportedTag(n, tag)
	}
	if err != nil {
		return nil, &yamlError{line: n.Line, msg: err.Error()}
	}
	return v, nil
}

func resolvePlain(s string) string {
	switch {
	case yBoolRE.MatchString(s):
		return "!!bool"
	case yFloatRE.MatchString(s):
		return "!!float"
	case yIntRE.MatchString(s):
		return "!!int"
	case s == "<<":
		return "!!merge"
	case yNullRE.MatchString(s):
		return "!!null"
	case yTimestampRE.MatchString(s):
		return "!!timestamp"
	case s == "=":
		return "!!value"
	}
	return "!!str"
}

// constructInt is PyYAML's construct_yaml_int.
func constructInt(s string) (any, error) {
	v := strings.ReplaceAll(s, "_", "")
	bad := fmt.Errorf("invalid integer %q", s)
	if v == "" {
		return nil, bad
	}
	neg := v[0] == '-'
	if v[0] == '-' || v[0] == '+' {
		v = v[1:]
	}
	z := new(big.Int)
	var ok bool
	switch {
	case v == "0":
		return int64(0), nil
	case strings.HasPrefix(v, "0b"):
		_, ok = z.SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		_, ok = z.SetString(v[2:], 16)
	case v != "" && v[0] == '0':
		_, ok = z.SetString(v, 8)
	case strings.Contains(v, ":"):
		ok = true
		base := big.NewInt(1)
		parts := strings.Split(v, ":")
		for i := len(parts) - 1; i >= 0; i-- {
			d, good := new(big.Int).SetString(parts[i], 10)
			if !good {
				return nil, bad
			}
			z.Add(z, d.Mul(d, base))
			base.Mul(base, big.NewInt(60))
		}
	default:
		_, ok = z.SetString(v, 10)
	}
	if !ok || z.Sign() < 0 {
		return nil, bad
	}
	if neg {
		z.Neg(z)
	}
	return normInt(z), nil
}

// normInt returns z as an int64 when it fits.
func normInt(z *big.Int) any {
	if z.IsInt64() {
		return z.Int64()
	}
	return z
}

// constructFloat is PyYAML's construct_yaml_float.
func constructFloat(s string) (any, error) {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	bad := fmt.Errorf("invalid float %q", s)
	if v == "" {
		return nil, bad
	}
	sign := 1.0
	if v[0] == '-' {
		sign = -1
	}
	if v[0] == '-' || v[0] == '+' {
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), nil
	case v == ".nan":
		return math.NaN(), nil
	case strings.Contains(v, ":"):
		total, base := 0.0, 1.0
		parts := strings.Split(v, ":")
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := pyFloatFromString(parts[i])
			if err != nil {
				return nil, bad
			}
			total += d * base
			base *= 60
		}
		return sign * total, nil
	}
	f, err := pyFloatFromString(v)
	if err != nil {
		return nil, bad
	}
	return sign * f, nil
}
