package meter

import (
	"bytes"
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

// This file builds definition files the way Ceilometer reads them, with
// PyYAML's yaml.safe_load: YAML 1.1 scalars (yes/no/on/off are booleans,
// 0755 is octal, 1e3 is a string, 2020-01-01 a date), merge keys (<<) with
// PyYAML's precedence, duplicate keys keeping the last value, duplicate
// anchors and multi-document files rejected. yaml.v3 parses; the values are
// built here from its nodes, so that every value keeps its line.

// ykind is the Python type safe_load gives a value.
type ykind uint8

const (
	yNull ykind = iota
	yBool
	yInt
	yFloat
	yStr
	yTimestamp // datetime.date or datetime.datetime; v holds the text
	ySeq
	yMap
)

// ynode is one value as safe_load constructs it, with its position.
type ynode struct {
	kind  ykind
	v     any // yBool: bool; yInt: int64 or *big.Int; yFloat: float64; yStr, yTimestamp: string
	items []*ynode
	pairs []ypair // yMap: unique keys in first-insertion order
	line  int
	col   int
	// size counts the values under this one with aliases expanded,
	// saturating at maxYAMLSize.
	size int
}

// maxYAMLSize bounds the size of a value once its aliases are expanded
// ("billion laughs"), and the number of pairs a mapping's merge keys bring.
const maxYAMLSize = 1 << 20

func addSize(a, b int) int {
	if a+b > maxYAMLSize {
		return maxYAMLSize
	}
	return a + b
}

type ypair struct {
	key, val *ynode
}

// get returns the value under the string key k, as dict.get(k) does.
func (n *ynode) get(k string) *ynode {
	if n == nil || n.kind != yMap {
		return nil
	}
	for _, p := range n.pairs {
		if p.key.kind == yStr && p.key.v.(string) == k {
			return p.val
		}
	}
	return nil
}

// has reports whether k is a key of the mapping n (Python's `k in n`).
func (n *ynode) has(k string) bool {
	if n == nil || n.kind != yMap {
		return false
	}
	for _, p := range n.pairs {
		if p.key.kind == yStr && p.key.v.(string) == k {
			return true
		}
	}
	return false
}

// truthy is Python's bool(v). A missing value (nil) is None.
func (n *ynode) truthy() bool {
	if n == nil {
		return false
	}
	switch n.kind {
	case yNull:
		return false
	case yBool:
		return n.v.(bool)
	case yInt:
		switch v := n.v.(type) {
		case int64:
			return v != 0
		case *big.Int:
			return v.Sign() != 0
		}
	case yFloat:
		return n.v.(float64) != 0
	case yStr, yTimestamp:
		return n.v.(string) != ""
	case ySeq:
		return len(n.items) > 0
	case yMap:
		return len(n.pairs) > 0
	}
	return true
}

// str returns the value if it is a string.
func (n *ynode) str() (string, bool) {
	if n == nil || n.kind != yStr {
		return "", false
	}
	return n.v.(string), true
}

// isInt is Python's isinstance(v, int), which bools satisfy.
func (n *ynode) isInt() bool {
	return n != nil && (n.kind == yInt || n.kind == yBool)
}

// typeName is the Python type name of the value, for messages.
func (n *ynode) typeName() string {
	if n == nil {
		return "NoneType"
	}
	return [...]string{"NoneType", "bool", "int", "float", "str", "date", "list", "dict"}[n.kind]
}

// maxRender bounds the text of a value in messages; aliases can make a small
// file describe an exponentially large value.
const maxRender = 200

// String renders the value as Python's str() does, cut at maxRender bytes.
func (n *ynode) String() string {
	var b strings.Builder
	n.render(&b, true)
	s := b.String()
	if len(s) > maxRender {
		s = s[:maxRender] + "..."
	}
	return s
}

func (n *ynode) render(b *strings.Builder, top bool) {
	if b.Len() > maxRender {
		return
	}
	switch {
	case n == nil || n.kind == yNull:
		b.WriteString("None")
	case n.kind == yStr && top, n.kind == yTimestamp:
		b.WriteString(n.v.(string))
	case n.kind == ySeq:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteString(", ")
			}
			it.render(b, false)
		}
		b.WriteByte(']')
	case n.kind == yMap:
		b.WriteByte('{')
		for i, p := range n.pairs {
			if i > 0 {
				b.WriteString(", ")
			}
			p.key.render(b, false)
			b.WriteString(": ")
			p.val.render(b, false)
		}
		b.WriteByte('}')
	default:
		b.WriteString(jsonv.PyRepr(n.v))
	}
}

// jsonValue converts a scalar or collection into the jsonv model, as
// Python's json module would see it: mapping keys become strings the way
// json.dumps writes non-string keys, dates their text.
func (n *ynode) jsonValue() any {
	if n == nil {
		return nil
	}
	switch n.kind {
	case yNull:
		return nil
	case ySeq:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = it.jsonValue()
		}
		return l
	case yMap:
		o := jsonv.NewObject(len(n.pairs))
		for _, p := range n.pairs {
			o.Set(p.key.keyString(), p.val.jsonValue())
		}
		return o
	}
	return n.v
}

// keyString is the text json.dumps writes for a mapping key.
func (n *ynode) keyString() string {
	switch n.kind {
	case yStr, yTimestamp:
		return n.v.(string)
	case yNull:
		return "null"
	case yBool:
		if n.v.(bool) {
			return "true"
		}
		return "false"
	case yFloat:
		return string(jsonv.Marshal(n.v))
	}
	return jsonv.PyStr(n.v)
}

// yamlError is a problem found while reading a file, at a line.
type yamlError struct {
	line int
	msg  string
}

func (e *yamlError) Error() string { return e.msg }

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// parseYAML reads a whole definition file as yaml.safe_load does. An empty
// file gives a nil node (Python's None).
func parseYAML(data []byte) (root *ynode, err error) {
	defer func() {
		if r := recover(); r != nil { // yaml.v3 has had panics on hostile input
			root, err = nil, &yamlError{0, fmt.Sprintf("yaml: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlErr(err, data)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return nil, &yamlError{line, "yaml: expected a single document in the stream"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlErr(err, data)
	}
	b := builder{built: map[*yaml.Node]*ynode{}, flat: map[*yaml.Node][][2]*yaml.Node{}, anchors: map[string]*yaml.Node{}}
	if err := b.checkAnchors(&doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return b.build(doc.Content[0])
}

// yamlErr gives a yaml.v3 error the line it names, or for an unknown
// anchor (which yaml.v3 reports without one) the line of its first alias.
func yamlErr(err error, data []byte) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &yamlError{line, "yaml: " + m[2]}
	}
	if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		for i, l := range bytes.Split(data, []byte("\n")) {
			if bytes.Contains(l, []byte("*"+m[1])) {
				return &yamlError{i + 1, msg}
			}
		}
	}
	return &yamlError{0, msg}
}

type builder struct {
	built   map[*yaml.Node]*ynode
	flat    map[*yaml.Node][][2]*yaml.Node
	anchors map[string]*yaml.Node
	depth   int
}

// checkAnchors rejects a repeated anchor name, as PyYAML's composer does.
func (b *builder) checkAnchors(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return nil
	}
	if n.Anchor != "" {
		if first, ok := b.anchors[n.Anchor]; ok && first != n {
			return &yamlError{n.Line, fmt.Sprintf("yaml: found duplicate anchor %q; first occurrence at line %d", n.Anchor, first.Line)}
		}
		b.anchors[n.Anchor] = n
	}
	for _, c := range n.Content {
		if err := b.checkAnchors(c); err != nil {
			return err
		}
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

const maxYAMLDepth = 500

func (b *builder) build(n *yaml.Node) (*ynode, error) {
	n = deref(n)
	if v, ok := b.built[n]; ok {
		if v == nil {
			return nil, &yamlError{n.Line, "yaml: recursive alias"}
		}
		return v, nil
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxYAMLDepth {
		return nil, &yamlError{n.Line, "yaml: nesting too deep"}
	}
	b.built[n] = nil // in progress
	var (
		v   *ynode
		err error
	)
	switch n.Kind {
	case yaml.ScalarNode:
		v, err = buildScalar(n)
	case yaml.SequenceNode:
		if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!seq" {
			return nil, &yamlError{n.Line, fmt.Sprintf("yaml: could not determine a constructor for the tag %q", n.Tag)}
		}
		v = &ynode{kind: ySeq, items: make([]*ynode, 0, len(n.Content)), size: 1}
		for _, c := range n.Content {
			it, err := b.build(c)
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, it)
			v.size = addSize(v.size, it.size)
		}
	case yaml.MappingNode:
		if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!map" {
			return nil, &yamlError{n.Line, fmt.Sprintf("yaml: could not determine a constructor for the tag %q", n.Tag)}
		}
		v, err = b.buildMapping(n)
	default:
		err = &yamlError{n.Line, "yaml: unexpected node"}
	}
	if err != nil {
		return nil, err
	}
	v.line, v.col = n.Line, n.Column
	if v.size == 0 {
		v.size = 1
	}
	b.built[n] = v
	return v, nil
}

// flatten is PyYAML's SafeConstructor.flatten_mapping: the pairs of n with
// its merge keys (<<) replaced by the merged mappings' pairs, placed before
// n's own pairs so that n's own keys win; of a list of merged mappings, the
// first listed wins.
func (b *builder) flatten(n *yaml.Node) ([][2]*yaml.Node, error) {
	if f, ok := b.flat[n]; ok {
		return f, nil
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxYAMLDepth {
		return nil, &yamlError{n.Line, "yaml: nesting too deep"}
	}
	var merge, own [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
			own = append(own, [2]*yaml.Node{k, v})
			continue
		}
		switch v = deref(v); v.Kind {
		case yaml.MappingNode:
			f, err := b.flatten(v)
			if err != nil {
				return nil, err
			}
			if len(merge)+len(f) > maxYAMLSize {
				return nil, &yamlError{n.Line, "yaml: merge keys make a mapping too large"}
			}
			merge = append(merge, f...)
		case yaml.SequenceNode:
			var sub [][][2]*yaml.Node
			for _, s := range v.Content {
				s = deref(s)
				if s.Kind != yaml.MappingNode {
					return nil, &yamlError{s.Line, "yaml: expected a mapping for merging"}
				}
				f, err := b.flatten(s)
				if err != nil {
					return nil, err
				}
				sub = append(sub, f)
			}
			for i := len(sub) - 1; i >= 0; i-- {
				if len(merge)+len(sub[i]) > maxYAMLSize {
					return nil, &yamlError{n.Line, "yaml: merge keys make a mapping too large"}
				}
				merge = append(merge, sub[i]...)
			}
		default:
			return nil, &yamlError{v.Line, "yaml: expected a mapping or list of mappings for merging"}
		}
	}
	if len(merge)+len(own) > maxYAMLSize {
		return nil, &yamlError{n.Line, "yaml: merge keys make a mapping too large"}
	}
	out := append(merge, own...)
	b.flat[n] = out
	return out, nil
}

func (b *builder) buildMapping(n *yaml.Node) (*ynode, error) {
	pairs, err := b.flatten(n)
	if err != nil {
		return nil, err
	}
	m := &ynode{kind: yMap, size: 1}
	strKeys := map[string]int{} // position of each string key, as a dict hashes it
	for _, p := range pairs {
		k, err := b.build(p[0])
		if err != nil {
			return nil, err
		}
		if k.kind == ySeq || k.kind == yMap {
			return nil, &yamlError{p[0].Line, "yaml: found unhashable key"}
		}
		v, err := b.build(p[1])
		if err != nil {
			return nil, err
		}
		if k.kind == yStr {
			if i, ok := strKeys[k.v.(string)]; ok {
				m.pairs[i].val = v
				continue
			}
			strKeys[k.v.(string)] = len(m.pairs)
			m.pairs = append(m.pairs, ypair{k, v})
		} else {
			m.set(k, v)
		}
	}
	for _, p := range m.pairs {
		m.size = addSize(m.size, addSize(p.key.size, p.val.size))
	}
	return m, nil
}

// set stores v under a key that is not a string with Python dict
// semantics: an equal key (1 == 1.0 == True) keeps its first position and
// key, and takes the new value.
func (m *ynode) set(k, v *ynode) {
	for i := range m.pairs {
		if m.pairs[i].key.kind != yStr && keyEqual(m.pairs[i].key, k) {
			m.pairs[i].val = v
			return
		}
	}
	m.pairs = append(m.pairs, ypair{k, v})
}

func keyEqual(a, b *ynode) bool {
	switch {
	case a.kind == yStr || b.kind == yStr, a.kind == yTimestamp || b.kind == yTimestamp:
		return a.kind == b.kind && a.v.(string) == b.v.(string)
	case a.kind == yNull || b.kind == yNull:
		return a.kind == b.kind
	}
	return jsonv.Equal(a.v, b.v)
}

// PyYAML's implicit resolvers (YAML 1.1), tried in registration order.
var (
	resolveBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	resolveFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	resolveInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	resolveNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	resolveTime  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

func buildScalar(n *yaml.Node) (*ynode, error) {
	s := n.Value
	tag := ""
	switch {
	case n.Style&yaml.TaggedStyle != 0:
		tag = n.Tag
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		tag = "!!str"
	case n.Tag == "!!merge":
		return &ynode{kind: yStr, v: s}, nil // a merge key used as a value
	case resolveBool.MatchString(s):
		tag = "!!bool"
	case resolveFloat.MatchString(s):
		tag = "!!float"
	case resolveInt.MatchString(s):
		tag = "!!int"
	case resolveNull.MatchString(s):
		tag = "!!null"
	case resolveTime.MatchString(s):
		tag = "!!timestamp"
	default:
		tag = "!!str"
	}
	bad := func() (*ynode, error) {
		return nil, &yamlError{n.Line, fmt.Sprintf("yaml: invalid %s value %q", strings.TrimPrefix(tag, "!!"), s)}
	}
	switch tag {
	case "!!str":
		return &ynode{kind: yStr, v: s}, nil
	case "!!null":
		return &ynode{kind: yNull}, nil
	case "!!timestamp":
		if !resolveTime.MatchString(s) {
			return bad()
		}
		return &ynode{kind: yTimestamp, v: s}, nil
	case "!!bool":
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return &ynode{kind: yBool, v: true}, nil
		case "no", "false", "off":
			return &ynode{kind: yBool, v: false}, nil
		}
		return bad()
	case "!!int":
		v, ok := yamlInt(s)
		if !ok {
			return bad()
		}
		return &ynode{kind: yInt, v: v}, nil
	case "!!float":
		v, ok := yamlFloat(s)
		if !ok {
			return bad()
		}
		return &ynode{kind: yFloat, v: v}, nil
	}
	return nil, &yamlError{n.Line, fmt.Sprintf("yaml: could not determine a constructor for the tag %q", n.Tag)}
}

// yamlInt is PyYAML's construct_yaml_int.
func yamlInt(s string) (any, bool) {
	s = strings.ReplaceAll(s, "_", "")
	if s == "" {
		return nil, false
	}
	neg := s[0] == '-'
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	z := new(big.Int)
	var ok bool
	switch {
	case s == "0":
		ok = true
	case strings.HasPrefix(s, "0b"):
		_, ok = z.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = z.SetString(s[2:], 16)
	case strings.HasPrefix(s, "0"):
		_, ok = z.SetString(s, 8)
	case strings.Contains(s, ":"):
		ok = true
		for _, part := range strings.Split(s, ":") {
			d, good := new(big.Int).SetString(part, 10)
			if !good {
				return nil, false
			}
			z.Mul(z, big.NewInt(60)).Add(z, d)
		}
	default:
		_, ok = z.SetString(s, 10)
	}
	if !ok {
		return nil, false
	}
	if neg {
		z.Neg(z)
	}
	if z.IsInt64() {
		return z.Int64(), true
	}
	return z, true
}

// yamlFloat is PyYAML's construct_yaml_float.
func yamlFloat(s string) (float64, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "_", ""))
	if s == "" {
		return 0, false
	}
	sign := 1.0
	if s[0] == '-' {
		sign = -1
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), true
	case s == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		v, base := 0.0, 1.0
		for i := len(parts) - 1; i >= 0; i-- { // summed as PyYAML sums, for the same rounding
			d, ok := pyFloat(parts[i])
			if !ok {
				return 0, false
			}
			v += d * base
			base *= 60
		}
		return sign * v, true
	}
	v, ok := pyFloat(s)
	return sign * v, ok
}
