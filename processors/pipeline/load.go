package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadFile reads a pipeline file from disk.
func LoadFile(path string, kind Kind) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, kind)
}

// LoadFS reads a pipeline file from fsys (e.g. the embedded defaults).
func LoadFS(fsys fs.FS, path string, kind Kind) (*Config, error) {
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, kind)
}

// Parse validates a pipeline file as Ceilometer does when it starts, and
// reports every problem found, each as "file:line: ..." wrapping ErrInvalid.
// Ceilometer refuses to start on any of them, so a Config is returned only
// when there is none.
func Parse(file string, data []byte, kind Kind) (*Config, error) {
	p := parser{file: file, kind: kind}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, file, err)
	}
	cfg := p.config(&root)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return cfg, nil
}

type parser struct {
	file string
	kind Kind
	errs []error
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 1 // an empty file has no node with a line
	if n != nil && n.Line > 0 {
		line = n.Line
	}
	p.errs = append(p.errs, fmt.Errorf("%w: %s:%d: %s", ErrInvalid, p.file, line, fmt.Sprintf(format, args...)))
}

func (p *parser) config(root *yaml.Node) *Config {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		p.errorf(doc, "the file must be a mapping with sources and sinks")
		return nil
	}
	sourcesNode, sinksNode := field(doc, "sources"), field(doc, "sinks")
	if sourcesNode == nil || sinksNode == nil {
		p.errorf(doc, "both sources & sinks are required")
		return nil
	}
	cfg := &Config{Kind: p.kind, File: p.file}
	names := map[string]bool{}
	for _, n := range p.list(sourcesNode, "sources") {
		src := p.source(n)
		if src == nil {
			continue
		}
		if names[src.Name] {
			p.errorf(n, "duplicated source names: %s", src.Name)
			continue
		}
		names[src.Name] = true
		cfg.Sources = append(cfg.Sources, src)
	}
	sinks := map[string]*Sink{}
	for _, n := range p.list(sinksNode, "sinks") {
		sink := p.sink(n)
		if sink == nil {
			continue
		}
		if sinks[sink.Name] != nil {
			p.errorf(n, "duplicated sink names: %s", sink.Name)
			continue
		}
		sinks[sink.Name] = sink
		cfg.Sinks = append(cfg.Sinks, sink)
	}
	pipes := map[string]bool{}
	for _, src := range cfg.Sources {
		if len(src.Sinks) == 0 {
			p.errs = append(p.errs, fmt.Errorf("%w: %s:%d: source %q: no sink defined", ErrInvalid, p.file, src.Line, src.Name))
			continue
		}
		for _, target := range src.Sinks {
			sink := sinks[target]
			if sink == nil {
				p.errs = append(p.errs, fmt.Errorf("%w: %s:%d: source %q: dangling sink %s", ErrInvalid, p.file, src.Line, src.Name, target))
				continue
			}
			name := src.Name
			if src.Name != sink.Name {
				name = src.Name + ":" + sink.Name
			}
			if pipes[name] {
				p.errs = append(p.errs, fmt.Errorf("%w: %s:%d: duplicate pipeline name: %s (source and sink names combined must be unique)", ErrInvalid, p.file, src.Line, name))
				continue
			}
			pipes[name] = true
			cfg.Pipelines = append(cfg.Pipelines, Pipeline{Name: name, Source: src, Sink: sink})
		}
	}
	return cfg
}

func (p *parser) source(n *yaml.Node) *Source {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a source must be a mapping")
		return nil
	}
	src := &Source{Line: n.Line}
	var ok bool
	if src.Name, ok = p.str(n, "name", "source"); !ok {
		return nil
	}
	what := fmt.Sprintf("source %q", src.Name)
	patternsNode := field(n, p.kind.field())
	if patternsNode == nil && p.kind == Samples {
		p.errorf(n, "%s: missing meters value", what)
		return nil
	}
	src.Patterns = p.strings(patternsNode, what+": "+p.kind.field())
	if err := checkPatterns(src.Patterns, p.kind.field()); err != nil {
		p.errorf(orNode(patternsNode, n), "%s: %v", what, err)
		return nil
	}
	sinksNode := field(n, "sinks")
	if sinksNode == nil {
		p.errorf(n, "%s: required field sinks not specified", what)
		return nil
	}
	src.Sinks = p.strings(sinksNode, what+": sinks")
	if err := src.compile(); err != nil {
		p.errorf(patternsNode, "%s: %v", what, err)
		return nil
	}
	return src
}

func (p *parser) sink(n *yaml.Node) *Sink {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "a sink must be a mapping")
		return nil
	}
	sink := &Sink{Line: n.Line}
	var ok bool
	if sink.Name, ok = p.str(n, "name", "sink"); !ok {
		return nil
	}
	pubs := field(n, "publishers")
	sink.Publishers = p.strings(pubs, fmt.Sprintf("sink %q: publishers", sink.Name))
	if len(sink.Publishers) == 0 {
		p.errorf(orNode(pubs, n), "sink %q: no publisher specified", sink.Name)
		return nil
	}
	for i, pub := range sink.Publishers {
		if !strings.Contains(pub, "://") {
			sink.Publishers[i] = pub + "://"
		}
	}
	return sink
}

func (p *parser) list(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list", what)
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

func (p *parser) str(n *yaml.Node, key, what string) (string, bool) {
	v := field(n, key)
	if v == nil {
		p.errorf(n, "%s: required field %s not specified", what, key)
		return "", false
	}
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.errorf(v, "%s: field %s must be a string", what, key)
		return "", false
	}
	return v.Value, true
}

// strings reads a list of strings. A bare string is refused: Ceilometer
// would iterate it character by character, which is never what was meant.
func (p *parser) strings(n *yaml.Node, what string) []string {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list", what)
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		c = deref(c)
		if c.Kind != yaml.ScalarNode {
			p.errorf(c, "%s: entries must be strings", what)
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// deref follows an alias to the node it names, as PyYAML's loader does.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}
