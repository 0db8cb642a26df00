// Package config fills a flag.FlagSet from a YAML file and from environment
// variables, so that every flag of a command is also a file key and an
// environment variable without being declared twice.
//
// Precedence, highest first: the command line, the environment variable
// MF_<FLAG> (EnvName), the file, the flag's default. A flag added to a
// FlagSet is covered at once.
//
// File format: one YAML mapping whose keys are the flag names without
// dashes in front ("amqp-url", "stream-max-age"). Values are scalars parsed
// exactly as on the command line ("168h", "true", "1000"); a list flag (one
// whose Value has a Values method) also takes a YAML sequence, each item
// being one repetition of the flag. A null value ("key:" or "key: ~") keeps
// the default.
//
// Environment: an empty variable counts as unset. A list flag's variable is
// split on whitespace, each field being one repetition of the flag, so
// MF_AMQP_URL="rabbit://a:5672,b:5672/ rabbit://c/" names two brokers (the
// first with failover hosts); list flags that split on commas, such as
// --exchanges, take "nova,glance" as well.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// FlagName is the flag naming the configuration file itself; it is neither
// a file key nor filled from MF_CONFIG by Apply (commands read MF_CONFIG
// themselves, see Path).
const FlagName = "config"

// EnvConfig is the environment variable naming the configuration file when
// --config is not given.
const EnvConfig = "MF_CONFIG"

// ErrInvalid is wrapped by every error about the file's or environment's
// content.
var ErrInvalid = errors.New("invalid configuration")

// ListValue is a repeatable flag: each Set adds values, the first one
// replacing the default. Values lists the current values.
type ListValue interface {
	flag.Value
	Values() []string
}

// File is a parsed configuration file: each key with its YAML node.
type File struct {
	// Path is the file name used in error messages.
	Path    string
	entries []entry
}

type entry struct {
	key   string
	line  int
	value *yaml.Node
}

// EnvName is the environment variable of a flag: MF_ and the flag name in
// upper case with dashes as underscores ("nats-url" → "MF_NATS_URL").
func EnvName(flagName string) string {
	return "MF_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Path is the configuration file to load: the flag's value when given,
// else $MF_CONFIG, else "" (no file).
func Path(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return os.Getenv(EnvConfig)
}

// Load reads and parses a configuration file. Syntax errors, a document that
// is not a mapping and repeated keys are reported with file and line; keys
// and value types are checked by Apply, which knows the flags.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses the content of a configuration file named path.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: %s:%d: want a mapping of option names to values", ErrInvalid, path, root.Line)
	}
	var errs []error
	first := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			errs = append(errs, fmt.Errorf("%w: %s:%d: option names are strings", ErrInvalid, path, k.Line))
			continue
		}
		if line, ok := first[k.Value]; ok {
			errs = append(errs, fmt.Errorf("%w: %s:%d: %s: repeated (first at line %d)", ErrInvalid, path, k.Line, k.Value, line))
			continue
		}
		first[k.Value] = k.Line
		f.entries = append(f.entries, entry{key: k.Value, line: k.Line, value: v})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// Options tune Apply.
type Options struct {
	// LookupEnv reads environment variables; os.LookupEnv in commands.
	// Default: nil, no environment.
	LookupEnv func(string) (string, bool)
	// IgnoreUnknown skips file keys that are not flags of the FlagSet
	// instead of reporting them. Default: false.
	IgnoreUnknown bool
}

// Apply sets every flag of fs not given on the command line (fs must be
// parsed) from its environment variable when set and non-empty, else from
// the file when it has the key (f may be nil). It reports every problem at
// once, each wrapping ErrInvalid: unknown keys with file, line and key;
// values of the wrong type with file, line, key (or the variable) and the
// expected type.
func Apply(fs *flag.FlagSet, f *File, opts Options) error {
	explicit := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { explicit[fl.Name] = true })
	var errs []error
	fromFile := map[string]entry{}
	if f != nil {
		for _, e := range f.entries {
			if fs.Lookup(e.key) == nil || e.key == FlagName {
				if !opts.IgnoreUnknown {
					errs = append(errs, fmt.Errorf("%w: %s:%d: unknown option %q", ErrInvalid, f.Path, e.line, e.key))
				}
				continue
			}
			fromFile[e.key] = e
		}
	}
	fs.VisitAll(func(fl *flag.Flag) {
		if fl.Name == FlagName || explicit[fl.Name] {
			return
		}
		if opts.LookupEnv != nil {
			if v, ok := opts.LookupEnv(EnvName(fl.Name)); ok && v != "" {
				if err := setEnv(fl, v); err != nil {
					errs = append(errs, fmt.Errorf("%w: $%s: want %s: %v", ErrInvalid, EnvName(fl.Name), TypeName(fl), err))
				}
				return
			}
		}
		if e, ok := fromFile[fl.Name]; ok {
			if err := setNode(fl, e.value); err != nil {
				errs = append(errs, fmt.Errorf("%w: %s:%d: %s: want %s: %v", ErrInvalid, f.Path, e.value.Line, e.key, TypeName(fl), err))
			}
		}
	})
	return errors.Join(errs...)
}

func setEnv(fl *flag.Flag, v string) error {
	if _, ok := fl.Value.(ListValue); !ok {
		return fl.Value.Set(v)
	}
	for _, field := range strings.Fields(v) {
		if err := fl.Value.Set(field); err != nil {
			return err
		}
	}
	return nil
}

func setNode(fl *flag.Flag, n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	_, list := fl.Value.(ListValue)
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil
	case n.Kind == yaml.ScalarNode:
		return fl.Value.Set(n.Value)
	case n.Kind == yaml.SequenceNode && list:
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				return fmt.Errorf("line %d: list items are strings", item.Line)
			}
			if err := fl.Value.Set(item.Value); err != nil {
				return err
			}
		}
		return nil
	case n.Kind == yaml.SequenceNode:
		return errors.New("got a list")
	default:
		return errors.New("got a mapping")
	}
}

// TypeName describes the values a flag takes, for error messages and the
// example file.
func TypeName(fl *flag.Flag) string {
	if _, ok := fl.Value.(ListValue); ok {
		return "a string or a list of strings"
	}
	g, ok := fl.Value.(flag.Getter)
	if !ok {
		return "a string"
	}
	switch g.Get().(type) {
	case bool:
		return "a boolean (true or false)"
	case int, int64, uint, uint64:
		return "an integer"
	case float64:
		return "a number"
	case time.Duration:
		return "a duration (like 30s, 15m, 168h)"
	default:
		return "a string"
	}
}

// Example writes an annotated configuration file listing every flag of fs
// (except FlagName) with its usage, environment variable and default value,
// in the order of the flag names. Loading it changes nothing.
func Example(fs *flag.FlagSet, header string) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	var names []string
	fs.VisitAll(func(fl *flag.Flag) {
		if fl.Name != FlagName {
			names = append(names, fl.Name)
		}
	})
	sort.Strings(names)
	for _, name := range names {
		fl := fs.Lookup(name)
		key := &yaml.Node{Kind: yaml.ScalarNode, Value: name,
			HeadComment: fmt.Sprintf("%s\n%s; environment: %s", fl.Usage, TypeName(fl), EnvName(name))}
		root.Content = append(root.Content, key, defaultNode(fl))
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: header, Content: []*yaml.Node{root}}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func defaultNode(fl *flag.Flag) *yaml.Node {
	if l, ok := fl.Value.(ListValue); ok {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		if len(l.Values()) <= 20 && len(strings.Join(l.Values(), ", ")) < 60 {
			seq.Style = yaml.FlowStyle
		}
		for _, v := range l.Values() {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
		return seq
	}
	if g, ok := fl.Value.(flag.Getter); ok {
		switch v := g.Get().(type) {
		case bool:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}
		case int, int64, uint, uint64:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(v)}
		case float64:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: fmt.Sprint(v)}
		case time.Duration:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: FormatDuration(v)}
		}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fl.Value.String()}
}

// FormatDuration is Duration.String without zero minutes and seconds: 168h,
// not 168h0m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
