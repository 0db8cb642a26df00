package pyre

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
)

// vector is what Python's re made of a pattern (testdata/python.json,
// regenerate with testdata/gen_python.py): [pattern, {groups, names} or
// {error}, [[text, re.match(pattern, text).groups() or false], ...]].
type vector struct {
	pattern string
	info    struct {
		Groups int            `json:"groups"`
		Names  map[string]int `json:"names"`
		Error  string         `json:"error"`
	}
	matches [][2]any
}

func vectors(t testing.TB) []vector {
	t.Helper()
	data, err := os.ReadFile("testdata/python.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw [][3]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := make([]vector, len(raw))
	for i, r := range raw {
		v := &out[i]
		if err := json.Unmarshal(r[0], &v.pattern); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(r[1], &v.info); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(r[2], &v.matches); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// deliberate are the patterns Python refuses and Compile accepts.
var deliberate = map[string]string{
	`[\Z]`: "regexp2 reads an unknown escape in a class as the letter",
}

func TestMatchIsPythons(t *testing.T) {
	for _, v := range vectors(t) {
		if deliberate[v.pattern] != "" {
			continue
		}
		re, err := Compile(v.pattern, time.Second)
		if v.info.Error != "" {
			if err == nil {
				t.Errorf("%q: compiles; Python: %s", v.pattern, v.info.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", v.pattern, err)
			continue
		}
		tr, _ := Translate(v.pattern)
		if tr.Groups != v.info.Groups || len(tr.Names) != len(v.info.Names) || len(tr.Names) > 0 && !reflect.DeepEqual(tr.Names, v.info.Names) {
			t.Errorf("%q: %d groups %v; Python %d %v", v.pattern, tr.Groups, tr.Names, v.info.Groups, v.info.Names)
		}
		for _, m := range v.matches {
			s := m[0].(string)
			got, err := re.Match(s)
			want := m[1] != false
			if err != nil || got != want {
				t.Errorf("re.match(%q, %q): %v (%v), Python %v", v.pattern, s, got, err, m[1])
				continue
			}
			if !want {
				continue
			}
			// The groups regexp2 numbers are Python's.
			match, _ := re.re.FindStringMatch(s)
			var groups []any
			for g := 1; g <= tr.Groups; g++ {
				var x any
				if gr := match.GroupByNumber(g); gr != nil && len(gr.Captures) > 0 {
					x = gr.String()
				}
				groups = append(groups, x)
			}
			if want := m[1].([]any); len(groups) > 0 && !reflect.DeepEqual(groups, want) {
				t.Errorf("re.match(%q, %q).groups() = %q, Python %q", v.pattern, s, groups, want)
			}
		}
	}
}

func TestTimeoutIsAnError(t *testing.T) {
	re, err := Compile("(a+)+$", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	s := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
	if _, err := re.Match(s); err == nil {
		t.Errorf("catastrophic backtracking did not time out")
	}
}

func TestTranslationKeepsClassesAndEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`(?P<x>a)(?P=x)`: `(a)(?:\1)`,
		`[(?P<]x\Z`:      `[(?P<]x\z`,
		`\\Z[]\Z]`:       `\\Z[\]\Z]`,
		`[^]]`:           `[^\]]`,
		`\(?P<x>`:        `\(?P<x>`,
	} {
		got, err := Translate(in)
		if err != nil || got.Pattern != want {
			t.Errorf("Translate(%q) = %q, %v; want %q", in, got.Pattern, err, want)
		}
	}
}
