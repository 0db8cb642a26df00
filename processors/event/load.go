package event

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"meterflow/processors/fnmatch"
	"meterflow/processors/pyyaml"
)

// Option configures a Converter, as the [event] options of ceilometer.conf
// do.
type Option func(*options) error

type options struct {
	dropUnmatched bool
	storeRaw      map[string]bool
	cacheSize     int
}

// DefaultCacheSize is the default number of distinct event types whose
// matching definition a Converter remembers.
const DefaultCacheSize = 4096

// WithDropUnmatched drops notifications that no definition matches, as
// [event] drop_unmatched_notifications does. Otherwise they become events
// with only the default traits (service, request_id, project_id, user_id,
// tenant_id).
//
// Default: false.
func WithDropUnmatched(drop bool) Option {
	return func(o *options) error {
		o.dropUnmatched = drop
		return nil
	}
}

// WithStoreRaw keeps the whole notification as the raw field of events made
// from notifications of these priorities (info, error; any case), as
// [event] store_raw does.
//
// Default: none (raw is an empty object).
func WithStoreRaw(priorities ...string) Option {
	return func(o *options) error {
		for _, p := range priorities {
			o.storeRaw[strings.ToLower(p)] = true
		}
		return nil
	}
}

// WithCacheSize bounds how many distinct event types the Converter remembers
// the matching definition of; beyond it the memory starts over. 0 disables
// the cache.
//
// Default: DefaultCacheSize.
func WithCacheSize(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("%w: cache size %d is negative", ErrInvalidOption, n)
		}
		o.cacheSize = n
		return nil
	}
}

// Load reads event definitions from the file at path in fsys, such as
// definitions.Ceilometer and definitions.EventDefinitions for the ones
// Ceilometer 19.0.0 ships.
func Load(fsys fs.FS, path string, opts ...Option) (*Converter, error) {
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts...)
}

// LoadFile reads event definitions from a file of the operating system.
// Unlike Ceilometer, a missing file is an error, not a reason to fall back on
// the shipped definitions.
func LoadFile(path string, opts ...Option) (*Converter, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts...)
}

// Parse reads event definitions from the contents of an
// event_definitions.yaml; name is the file name used in errors.
//
// It accepts what Ceilometer 19's NotificationEventsConverter accepts, read
// as PyYAML's safe_load reads YAML. Where Ceilometer refuses to start, Parse
// returns every problem it finds, each a *DefinitionError wrapping
// ErrInvalidDefinition, joined with errors.Join. It also refuses plugin
// parameters that Ceilometer accepts but then fails every matching event on
// (a split segment that is not an integer, a bitfield flag without a bit).
func Parse(name string, data []byte, opts ...Option) (*Converter, error) {
	o := options{storeRaw: map[string]bool{}, cacheSize: DefaultCacheSize}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	var errs []error
	report := func(e *DefinitionError) {
		e.File = name
		errs = append(errs, e)
	}
	root, err := pyyaml.Parse(data)
	if err != nil {
		var ye *pyyaml.Error
		if errors.As(err, &ye) {
			report(&DefinitionError{Line: ye.Line, Msg: "invalid YAML: " + ye.Msg})
		} else {
			report(&DefinitionError{Msg: "invalid YAML: " + err.Error()})
		}
		return nil, errors.Join(errs...)
	}
	if root == nil {
		root = &pyyaml.Value{Line: 1} // an empty file is None
	}
	if root.Size() > pyyaml.MaxSize {
		report(&DefinitionError{Line: root.Line, Msg: "invalid YAML: document too large once its aliases are expanded"})
		return nil, errors.Join(errs...)
	}
	var entries []*pyyaml.Value
	switch v := root.V.(type) {
	case []*pyyaml.Value:
		entries = v
	case nil:
		report(&DefinitionError{Line: root.Line, Msg: "no definitions: the file is empty"})
	case *pyyaml.Mapping:
		if len(v.Pairs) > 0 {
			report(&DefinitionError{Line: root.Line, Msg: "the file must be a list of definitions, not a mapping"})
		}
	case string:
		if v != "" {
			report(&DefinitionError{Line: root.Line, Msg: "the file must be a list of definitions, not a string"})
		}
	default:
		report(&DefinitionError{Line: root.Line, Msg: "the file must be a list of definitions, not " + root.TypeName()})
	}

	paths := pathCache{}
	defaults, err := newDefaultTraits(paths)
	if err != nil {
		return nil, err
	}
	c := &Converter{raw: o.storeRaw, cache: newDefCache(o.cacheSize)}
	for i, e := range entries {
		if d := newDefinition(i, e, defaults, paths, report); d != nil {
			c.defs = append(c.defs, d)
		}
	}
	// The last matching definition wins: keep them last first.
	slices.Reverse(c.defs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if !o.dropUnmatched && !c.hasCatchAll() {
		catchAll := &definition{label: "catch-all", catchAll: true, traits: defaults}
		star, _ := fnmatch.Compile("*")
		catchAll.included = []*fnmatch.Pattern{star}
		c.defs = append(c.defs, catchAll)
	}
	return c, nil
}

func (c *Converter) hasCatchAll() bool {
	for _, d := range c.defs {
		if d.catchAll {
			return true
		}
	}
	return false
}
