package pyyaml

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"meterflow/internal/pyvectors"
)

// pythonVectors are what PyYAML made of the inputs in testdata/python.json
// (regenerate with testdata/gen_python.py).
type pythonVectors struct {
	Scalars [][2]any `json:"scalars"` // "v: " + scalar, and safe_load of it
	Docs    [][3]any `json:"docs"`    // name, document, safe_load of it
}

var vectors = pyvectors.File[pythonVectors]("testdata/python.json")

// deliberate are the inputs where Parse does not do what safe_load does.
var deliberate = map[string]string{
	"!!binary aGVsbG8=": "bytes have no JSON value: an unknown tag",
	"invalid_date":      "a timestamp is kept as written, never checked as a date",
	"recursive_list":    "a recursive list cannot be represented: an error",
}

func TestScalarsResolveAsPyYAML(t *testing.T) {
	for _, v := range vectors(t).Scalars {
		s := v[0].(string)
		if deliberate[s] != "" {
			continue
		}
		checkAsPython(t, s, "v: "+s, v[1])
	}
}

func TestDocumentsBuildAsPyYAML(t *testing.T) {
	for _, v := range vectors(t).Docs {
		name, doc := v[0].(string), v[1].(string)
		if deliberate[name] != "" {
			continue
		}
		t.Run(name, func(t *testing.T) { checkAsPython(t, name, doc, v[2]) })
	}
}

func TestDeliberateDifferencesAreErrorsOrTimestamps(t *testing.T) {
	if _, err := Parse([]byte("v: !!binary aGVsbG8=")); err == nil {
		t.Error("!!binary: no error")
	}
	if _, err := Parse([]byte("a: &a [*a]\n")); err == nil {
		t.Error("recursive list: no error")
	}
	root, err := Parse([]byte("a: 2026-13-45\n"))
	if err != nil || root.Get("a").V != Timestamp("2026-13-45") {
		t.Errorf("invalid date: %v, %v", root, err)
	}
}

// checkAsPython compares Parse(doc) with what safe_load made of it: the
// value, or an error where PyYAML raises.
func checkAsPython(t *testing.T, name, doc string, want any) {
	t.Helper()
	root, err := Parse([]byte(doc))
	if m, ok := want.(map[string]any); ok && m["error"] != nil {
		if err == nil {
			t.Errorf("%s: got %v, PyYAML raises %v", name, jsonable(root), m["error"])
		}
		return
	}
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if got := jsonable(root); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v\nPyYAML %v", name, got, want)
	}
}

// jsonable renders a value the way gen_python.py renders a Python one,
// decoded by encoding/json, so that the two compare with reflect.DeepEqual.
func jsonable(v *Value) any {
	var out any
	if v != nil {
		out = render(v.V)
	}
	data, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	var back any
	if err := json.Unmarshal(data, &back); err != nil {
		panic(err)
	}
	return back
}

func render(v any) any {
	switch v := v.(type) {
	case int64:
		return map[string]any{"int": big.NewInt(v).String()}
	case *big.Int:
		return map[string]any{"int": v.String()}
	case float64:
		switch {
		case math.IsNaN(v):
			return map[string]any{"float": "nan"}
		case math.IsInf(v, 1):
			return map[string]any{"float": "inf"}
		case math.IsInf(v, -1):
			return map[string]any{"float": "-inf"}
		}
		return v
	case Timestamp:
		// Python's str() of the date or datetime, for the forms the vectors use.
		s := string(v)
		if len(s) == len("2026-11-02") {
			return map[string]any{"date": s}
		}
		s = strings.Replace(s, "T", " ", 1)
		if strings.HasSuffix(s, "Z") {
			s = s[:len(s)-1] + "+00:00"
		}
		if s == "2026-11-2 1:01:07+00:00" {
			s = "2026-11-02 01:01:07+00:00"
		}
		return map[string]any{"datetime": s}
	case []*Value:
		l := []any{}
		for _, e := range v {
			l = append(l, render(e.V))
		}
		return l
	case *Mapping:
		pairs := []any{}
		for _, p := range v.Pairs {
			pairs = append(pairs, []any{render(p.Key.V), render(p.Value.V)})
		}
		return map[string]any{"dict": pairs}
	}
	return v
}

func TestErrorsHaveLines(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"syntax", "a: 1\nb: c: d\n", "yaml: line 2: mapping values are not allowed in this context"},
		{"second document", "a: 1\n---\n\nb: 2\n", "yaml: line 4: expected a single document in the stream"},
		{"duplicate anchor", "a: &x 1\nb: &x 2\n", `yaml: line 2: found duplicate anchor "x"; first occurrence at line 1`},
		{"unknown alias", "a: 1\nb: *nope\n", "yaml: line 2: unknown anchor 'nope' referenced"},
		{"recursive alias", "a: 1\nb: &a [*a]\n", "yaml: line 2: recursive alias"},
		{"merge of a scalar", "a: 1\nb:\n  <<: 5\n", "yaml: line 3: expected a mapping or list of mappings for merging"},
		{"merge of scalars", "a: 1\nb:\n  <<: [{}, 5]\n", "yaml: line 3: expected a mapping for merging"},
		{"unhashable key", "a: 1\n? [a]\n: 1\n", "yaml: line 2: found unhashable key"},
		{"unknown tag", "a: 1\nb: !foo 1\n", `yaml: line 2: could not determine a constructor for the tag "!foo"`},
		{"merge as a value", "a: 1\nb: <<\n", `yaml: line 2: could not determine a constructor for the tag "!!merge"`},
		{"value as a value", "a: 1\nb: [=]\n", `yaml: line 2: could not determine a constructor for the tag "!!value"`},
		{"bad int", "a: 1\nb: !!int x\n", `yaml: line 2: invalid int value "x"`},
		{"nesting", "a: " + strings.Repeat("[", 600) + strings.Repeat("]", 600), "yaml: line 1: nesting too deep"},
	} {
		_, err := Parse([]byte(tc.doc))
		var ye *Error
		if !errors.As(err, &ye) {
			t.Errorf("%s: %v is not an *Error", tc.name, err)
			continue
		}
		if got := "yaml: line " + itoa(ye.Line) + ": " + ye.Msg; got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestValuesHaveLinesAndColumns(t *testing.T) {
	root, err := Parse([]byte("a: 1\nb:\n  - x\n  - {c: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := root.Get("b")
	items := b.V.([]*Value)
	for _, tc := range []struct {
		v         *Value
		line, col int
		what      string
	}{
		{root.Get("a"), 1, 4, "a"}, {b, 3, 3, "b"}, {items[0], 3, 5, "b[0]"}, {items[1].Get("c"), 4, 9, "b[1].c"},
	} {
		if tc.v.Line != tc.line || tc.v.Column != tc.col {
			t.Errorf("%s at %d:%d, want %d:%d", tc.what, tc.v.Line, tc.v.Column, tc.line, tc.col)
		}
	}
}

func TestAliasesAreSharedAndSized(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString(strings.NewReplacer("I", string(rune('0'+i)), "P", string(rune('0'+i-1))).Replace(
			"aI: &aI [*aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP]\n"))
	}
	root, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got := root.Get("a1").Size(); got != 1+10*11 {
		t.Errorf("a1 has size %d, want %d", got, 1+10*11)
	}
	if got := root.Size(); got != MaxSize+1 {
		t.Errorf("the document has size %d, want MaxSize+1", got)
	}
	if root.Get("a2").V.([]*Value)[0] != root.Get("a1") {
		t.Error("an alias is a copy")
	}
}

func TestMergesAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n")
	for i := 1; i < 8; i++ {
		p := "*m" + string(rune('0'+i-1))
		b.WriteString("m" + string(rune('0'+i)) + ": &m" + string(rune('0'+i)) + " {<<: [" +
			strings.Repeat(p+", ", 9) + p + "]}\n")
	}
	_, err := Parse([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "merge keys make a mapping too large") {
		t.Errorf("got %v, want merge keys making a mapping too large", err)
	}
}

// FuzzParse reads arbitrary documents: Parse must not panic, every error
// must be an *Error, and what it builds must render.
func FuzzParse(f *testing.F) {
	for _, v := range []string{
		"metric:\n  - &a {name: x, event_type: a}\n  - <<: *a\n    name: y\n",
		"a: &a [*a]\n", "? [a]\n: 1\n", "a: {<<: [{b: 1}, {c: 2}], =: 3}\n", "- 0b1_0\n- 1:30\n- 2026-11-02\n- .inf\n",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		root, err := Parse([]byte(doc))
		if err != nil {
			var ye *Error
			if !errors.As(err, &ye) {
				t.Fatalf("%v is not an *Error", err)
			}
			return
		}
		_ = root.String()
		if root.Size() < 1 || root.Size() > MaxSize+1 {
			t.Fatalf("size %d", root.Size())
		}
	})
}
