package pyyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"meterflow/processors/jsonv"
)

// maxDepth bounds nesting, aliases and merge keys followed included:
// PyYAML's composer recurses once per level and hits Python's recursion
// limit (1000 frames) at about 500 levels.
const maxDepth = 500

// Parse reads a whole document as yaml.safe_load does. An empty document
// (nothing, or only comments) is nil, Python's None. Errors are *Error,
// with the line where one is known.
func Parse(data []byte) (root *Value, err error) {
	defer func() {
		if r := recover(); r != nil { // yaml.v3 has had panics on hostile input
			root, err = nil, &Error{0, fmt.Sprint(r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(err, data)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return nil, &Error{line, "expected a single document in the stream"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(err, data)
	}
	b := builder{built: map[*yaml.Node]*Value{}, flat: map[*yaml.Node][][2]*yaml.Node{}, anchors: map[string]*yaml.Node{}}
	if err := b.checkAnchors(&doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return b.build(doc.Content[0])
}

var (
	lineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	anchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// syntaxError gives a yaml.v3 error the line it names, or for an unknown
// anchor (which yaml.v3 reports without one) the line of its first alias.
func syntaxError(err error, data []byte) error {
	msg := err.Error()
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{line, m[2]}
	}
	if m := anchorRE.FindStringSubmatch(msg); m != nil {
		for i, l := range bytes.Split(data, []byte("\n")) {
			if bytes.Contains(l, []byte("*"+m[1])) {
				return &Error{i + 1, strings.TrimPrefix(msg, "yaml: ")}
			}
		}
	}
	return &Error{0, strings.TrimPrefix(msg, "yaml: ")}
}

type builder struct {
	built   map[*yaml.Node]*Value // nil while the node is being built
	flat    map[*yaml.Node][][2]*yaml.Node
	anchors map[string]*yaml.Node
	depth   int
	merged  int // pairs brought by merge keys in the whole document
}

// checkAnchors refuses a repeated anchor name, as PyYAML's composer does.
func (b *builder) checkAnchors(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return nil
	}
	if n.Anchor != "" {
		if first, ok := b.anchors[n.Anchor]; ok && first != n {
			return &Error{n.Line, fmt.Sprintf("found duplicate anchor %q; first occurrence at line %d", n.Anchor, first.Line)}
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

func (b *builder) enter(n *yaml.Node) error {
	b.depth++
	if b.depth > maxDepth {
		return &Error{n.Line, "nesting too deep"}
	}
	return nil
}

func (b *builder) build(n *yaml.Node) (*Value, error) {
	n = deref(n)
	if v, ok := b.built[n]; ok {
		if v == nil {
			return nil, &Error{n.Line, "recursive alias"}
		}
		return v, nil
	}
	defer func() { b.depth-- }()
	if err := b.enter(n); err != nil {
		return nil, err
	}
	b.built[n] = nil // in progress
	var (
		v   *Value
		err error
	)
	switch n.Kind {
	case yaml.ScalarNode:
		v, err = buildScalar(n)
	case yaml.SequenceNode:
		if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!seq" {
			return nil, noConstructor(n)
		}
		items := make([]*Value, 0, len(n.Content))
		v = &Value{size: 1}
		for _, c := range n.Content {
			it, err := b.build(c)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
			v.size = addSize(v.size, it.Size())
		}
		v.V = items
	case yaml.MappingNode:
		if n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!map" {
			return nil, noConstructor(n)
		}
		v, err = b.buildMapping(n)
	default:
		err = &Error{n.Line, "unexpected node"}
	}
	if err != nil {
		return nil, err
	}
	v.Line, v.Column = n.Line, n.Column
	if v.size == 0 {
		v.size = 1
	}
	b.built[n] = v
	return v, nil
}

func addSize(a, b int) int {
	return min(a+b, MaxSize+1)
}

func noConstructor(n *yaml.Node) error {
	return &Error{n.Line, fmt.Sprintf("could not determine a constructor for the tag %q", n.Tag)}
}

// flatten is PyYAML's SafeConstructor.flatten_mapping: the pairs of n with
// its merge keys (<<) replaced by the merged mappings' pairs, placed before
// n's own pairs so that n's own keys win; of a list of merged mappings, the
// first listed wins.
func (b *builder) flatten(n *yaml.Node) ([][2]*yaml.Node, error) {
	if f, ok := b.flat[n]; ok {
		return f, nil
	}
	defer func() { b.depth-- }()
	if err := b.enter(n); err != nil {
		return nil, err
	}
	var merge, own [][2]*yaml.Node
	add := func(pairs [][2]*yaml.Node) error {
		b.merged += len(pairs)
		if len(merge)+len(pairs) > MaxSize || b.merged > MaxSize {
			return &Error{n.Line, "merge keys make a mapping too large"}
		}
		merge = append(merge, pairs...)
		return nil
	}
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
			if err := add(f); err != nil {
				return nil, err
			}
		case yaml.SequenceNode:
			var sub [][][2]*yaml.Node
			for _, s := range v.Content {
				s = deref(s)
				if s.Kind != yaml.MappingNode {
					return nil, &Error{s.Line, "expected a mapping for merging"}
				}
				f, err := b.flatten(s)
				if err != nil {
					return nil, err
				}
				sub = append(sub, f)
			}
			for i := len(sub) - 1; i >= 0; i-- {
				if err := add(sub[i]); err != nil {
					return nil, err
				}
			}
		default:
			return nil, &Error{v.Line, "expected a mapping or list of mappings for merging"}
		}
	}
	if len(merge)+len(own) > MaxSize {
		return nil, &Error{n.Line, "merge keys make a mapping too large"}
	}
	out := append(merge, own...)
	b.flat[n] = out
	return out, nil
}

func (b *builder) buildMapping(n *yaml.Node) (*Value, error) {
	pairs, err := b.flatten(n)
	if err != nil {
		return nil, err
	}
	m := &Mapping{}
	v := &Value{V: m, size: 1}
	strKeys := map[string]int{} // position of each string key, as a dict hashes it
	for _, p := range pairs {
		k, err := b.buildKey(p[0])
		if err != nil {
			return nil, err
		}
		switch k.V.(type) {
		case []*Value, *Mapping:
			return nil, &Error{p[0].Line, "found unhashable key"}
		}
		val, err := b.build(p[1])
		if err != nil {
			return nil, err
		}
		if s, ok := k.V.(string); ok {
			if i, ok := strKeys[s]; ok {
				m.Pairs[i].Value = val
				continue
			}
			strKeys[s] = len(m.Pairs)
			m.Pairs = append(m.Pairs, Pair{k, val})
		} else {
			m.set(k, val)
		}
	}
	for _, p := range m.Pairs {
		v.size = addSize(v.size, addSize(p.Key.Size(), p.Value.Size()))
	}
	return v, nil
}

// buildKey builds a mapping key. flatten_mapping makes a plain = key (the
// YAML 1.1 "value" key, which safe_load has no constructor for) a string.
func (b *builder) buildKey(n *yaml.Node) (*Value, error) {
	if d := deref(n); d.Kind == yaml.ScalarNode && d.Style == 0 && d.Value == "=" {
		if _, ok := b.built[d]; !ok {
			b.built[d] = &Value{V: "=", Line: d.Line, Column: d.Column, size: 1}
		}
	}
	return b.build(n)
}

// set stores val under a key that is not a string with Python dict
// semantics: an equal key (1 == 1.0 == True) keeps its first position and
// key, and takes the new value.
func (m *Mapping) set(k, val *Value) {
	for i := range m.Pairs {
		if _, isStr := m.Pairs[i].Key.V.(string); !isStr && keyEqual(m.Pairs[i].Key.V, k.V) {
			m.Pairs[i].Value = val
			return
		}
	}
	m.Pairs = append(m.Pairs, Pair{k, val})
}

// keyEqual is == between two keys that are not strings.
func keyEqual(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case Timestamp:
		t, ok := b.(Timestamp)
		return ok && t == a
	}
	switch b.(type) {
	case nil, Timestamp:
		return false
	}
	return jsonv.Equal(a, b)
}
