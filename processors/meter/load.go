package meter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"meterflow/definitions"
	"meterflow/processors/pyyaml"
)

// ErrInvalidDefinition is wrapped by every *LoadError: a definition file, or
// a definition in it, that cannot be used and was skipped.
var ErrInvalidDefinition = errors.New("invalid meter definition")

// LoadError reports a definition file or a definition that was skipped.
// Its message reads
//
//	meters.yaml:123: meter "disk.read": field "volume": jsonpath "$.payload[": ...
type LoadError struct {
	File  string // the file, named as its Dir names it
	Line  int    // 1-based; 0 when unknown
	Meter string // the definition's name; "" for a problem with the whole file
	Field string // the field at fault ("volume", "metadata.host"); "" when none
	Err   error
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Meter != "" {
		fmt.Fprintf(&b, ": meter %q", e.Meter)
	}
	if e.Field != "" {
		if strings.Contains(e.Field, ", ") {
			fmt.Fprintf(&b, ": fields %s", e.Field)
		} else {
			fmt.Fprintf(&b, ": field %q", e.Field)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *LoadError) Unwrap() error { return e.Err }

// Is makes every LoadError match ErrInvalidDefinition.
func (e *LoadError) Is(target error) bool { return target == ErrInvalidDefinition }

// Dir is one directory of meter definition files: an entry of Ceilometer's
// [meter] meter_definitions_dirs. Every *.yaml file in it (not hidden ones)
// is read, in lexical order.
type Dir struct {
	FS   fs.FS
	Path string // the directory inside FS; "." for its root
	// Name is how files are named in errors; default: Path.
	Name string
}

// OSDir is a directory of the local file system, such as
// /etc/ceilometer/meters.d.
func OSDir(dir string) Dir {
	return Dir{FS: os.DirFS(dir), Path: ".", Name: dir}
}

// ShippedDir is the meters.d of Ceilometer 19.0.0, embedded in meterflow.
func ShippedDir() Dir {
	return Dir{FS: definitions.Ceilometer, Path: definitions.MetersDir}
}

func (d Dir) display(name string) string {
	base := d.Name
	if base == "" {
		base = d.Path
	}
	return path.Join(base, name)
}

// definitionFile is one file to load.
type definitionFile struct {
	dir  Dir
	name string // base name
}

// listDefinitionFiles is the glob of _load_definitions: the *.yaml files
// of each directory in turn, sorted. A missing directory has none.
func listDefinitionFiles(dirs []Dir) ([]definitionFile, []error) {
	var files []definitionFile
	var errs []error
	for _, d := range dirs {
		if d.FS == nil {
			errs = append(errs, &LoadError{File: d.display(""), Err: errors.New("no file system")})
			continue
		}
		entries, err := fs.ReadDir(d.FS, d.Path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, &LoadError{File: d.display(""), Err: err})
			}
			continue
		}
		var names []string
		for _, e := range entries {
			if n := e.Name(); strings.HasSuffix(n, ".yaml") && !strings.HasPrefix(n, ".") {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			files = append(files, definitionFile{d, n})
		}
	}
	return files, errs
}

// loadDefinitions is ProcessMeterNotifications._load_definitions: files in
// order, the definitions of each file from last to first, and the first
// definition loaded under a name wins. So a file of an earlier directory
// overrides a later directory (/etc/ceilometer/meters.d overrides the
// shipped meters.d), and within a file the last definition of a name wins.
// A definition that fails is skipped and reported, and does not hide another
// definition of its name.
func (c *compiler) loadDefinitions(dirs []Dir) ([]*Definition, []error) {
	files, errs := listDefinitionFiles(dirs)
	var defs []*Definition
	seen := map[string]bool{}
	for _, f := range files {
		file := f.dir.display(f.name)
		data, err := fs.ReadFile(f.dir.FS, path.Join(f.dir.Path, f.name))
		if err != nil {
			errs = append(errs, &LoadError{File: file, Err: err})
			continue
		}
		items, le := metricList(data)
		if le != nil {
			le.File = file
			errs = append(errs, le)
			continue
		}
		for i := len(items) - 1; i >= 0; i-- {
			cfg := items[i]
			if _, ok := cfg.V.(*pyyaml.Mapping); !ok {
				errs = append(errs, &LoadError{File: file, Line: cfg.Line, Err: fmt.Errorf("definition must be a mapping, not %s", cfg.TypeName())})
				continue
			}
			name, isStr := cfg.Get("name").Str()
			if isStr && seen[name] {
				continue // Ceilometer: "Skipping duplicate meter definition"
			}
			if cfg.Size() >= maxDefinitionSize {
				errs = append(errs, &LoadError{File: file, Line: cfg.Line, Meter: name,
					Err: fmt.Errorf("definition too large once its aliases are expanded (%d values or more)", maxDefinitionSize)})
				continue
			}
			d, err := c.compileDefinition(cfg, file)
			if err != nil {
				le := &LoadError{File: file, Line: cfg.Line, Meter: name, Err: err}
				if de, ok := err.(*definitionError); ok {
					le.Line, le.Field, le.Err = de.line, de.field, errors.New(de.msg)
				}
				errs = append(errs, le)
				continue
			}
			seen[name] = true
			defs = append(defs, d)
		}
	}
	return defs, errs
}

// maxDefinitionSize bounds the values of one definition, aliases expanded.
const maxDefinitionSize = 1 << 16

// metricList returns the "metric" list of a definition file, or the
// problem with the file (without its name).
func metricList(data []byte) ([]*pyyaml.Value, *LoadError) {
	root, err := pyyaml.Parse(data)
	if err != nil {
		le := &LoadError{Err: err}
		var ye *pyyaml.Error
		if errors.As(err, &ye) {
			le.Line = ye.Line
		}
		return nil, le
	}
	if root == nil {
		return nil, &LoadError{Err: errors.New("file is empty: want a mapping with a \"metric\" list")}
	}
	if _, ok := root.V.(*pyyaml.Mapping); !ok {
		return nil, &LoadError{Line: root.Line, Err: fmt.Errorf("file holds a %s: want a mapping with a \"metric\" list", root.TypeName())}
	}
	if !root.Has("metric") {
		return nil, &LoadError{Line: root.Line, Err: errors.New("no \"metric\" list")}
	}
	m := root.Get("metric")
	items, ok := m.V.([]*pyyaml.Value)
	if !ok {
		return nil, &LoadError{Line: m.Line, Err: fmt.Errorf("\"metric\" must be a list, not %s", m.TypeName())}
	}
	return items, nil
}
