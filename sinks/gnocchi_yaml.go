package sinks

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"meterflow/processors/jsonv"
)

// This file reads the YAML nodes of gnocchi_resources.yaml with their
// lines, for errors that name them. Scalars resolve as YAML 1.2 (yaml.v3),
// where PyYAML reads YAML 1.1: "yes" and "on" are strings here. No shipped
// value is affected.

// lineError is a problem in the resources file at a line.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("%d: %s", e.line, e.msg) }

func errAt(n *yaml.Node, format string, args ...any) error {
	return &lineError{line: n.Line, msg: fmt.Sprintf(format, args...)}
}

// yamlMap is a YAML mapping node's keys and values, aliases resolved.
type yamlMap struct{ keys, vals []*yaml.Node }

// get returns the value of the last key k (PyYAML keeps the last of
// duplicate keys).
func (m yamlMap) get(k string) *yaml.Node {
	for i := len(m.keys) - 1; i >= 0; i-- {
		if m.keys[i].Kind == yaml.ScalarNode && m.keys[i].Value == k {
			return m.vals[i]
		}
	}
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func mapping(n *yaml.Node) (yamlMap, error) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return yamlMap{}, errAt(n, "expected a mapping")
	}
	var m yamlMap
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Tag == "!!merge" {
			return yamlMap{}, errAt(k, "merge keys (<<) are not supported")
		}
		m.keys = append(m.keys, k)
		m.vals = append(m.vals, resolve(n.Content[i+1]))
	}
	return m, nil
}

func str(n *yaml.Node) (string, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", errAt(n, "expected a string, got %s", describe(n))
	}
	return n.Value, nil
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// yamlValue converts a node to the JSON model jsonv uses.
func yamlValue(n *yaml.Node) (any, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m, err := mapping(n)
		if err != nil {
			return nil, err
		}
		o := jsonv.NewObject(len(m.keys))
		for i, k := range m.keys {
			ks, err := str(k)
			if err != nil {
				return nil, err
			}
			v, err := yamlValue(m.vals[i])
			if err != nil {
				return nil, err
			}
			o.Set(ks, v)
		}
		return o, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := yamlValue(item)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, errAt(n, "%v", err)
			}
			return b, nil
		case "!!int":
			var i big.Int
			s := strings.ReplaceAll(n.Value, "_", "")
			if _, ok := i.SetString(s, 0); !ok {
				return nil, errAt(n, "invalid integer %q", n.Value)
			}
			if i.IsInt64() {
				return i.Int64(), nil
			}
			return &i, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, errAt(n, "%v", err)
			}
			return f, nil
		case "!!str":
			return n.Value, nil
		}
		return nil, errAt(n, "unsupported YAML value %s (%s)", strconv.Quote(n.Value), n.Tag)
	}
	return nil, errAt(n, "unsupported YAML node")
}
