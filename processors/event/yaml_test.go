package event

import (
	"strings"
	"testing"
)

func TestYAMLScalarsResolveAsPyYAML(t *testing.T) {
	for _, v := range vectors(t).YAMLScalars {
		s := v[0].(string)
		root, err := parseYAML([]byte("v: " + s))
		if pyError(v[1]) {
			if err == nil {
				got, _ := root.v.(*ymap).get("v")
				t.Errorf("%q: got %v, PyYAML raises", s, jsonable(got))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		got, _ := root.v.(*ymap).get("v")
		if isTimestamp(v[1]) {
			if _, ok := got.v.(yTimestamp); !ok {
				t.Errorf("%q: got %v, PyYAML a timestamp", s, jsonable(got))
			}
			continue
		}
		if !sameAsPython(got, v[1]) {
			t.Errorf("%q: got %v, PyYAML %v", s, jsonable(got), v[1])
		}
	}
}

func TestYAMLMappingsBuildAsPyYAML(t *testing.T) {
	for _, v := range vectors(t).YAMLDocs {
		name, doc := v[0].(string), v[1].(string)
		t.Run(name, func(t *testing.T) {
			root, err := parseYAML([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if !sameAsPython(root, v[2]) {
				t.Errorf("got %v\nPyYAML %v", jsonable(root), v[2])
			}
		})
	}
}

func TestYAMLRefusesWhatPyYAMLRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"two documents":     "a: 1\n---\nb: 2\n",
		"recursive alias":   "a: &a [*a]\n",
		"unhashable key":    "? [a]\n: 1\n",
		"merge of a scalar": "a: 1\nb:\n  <<: 5\n",
		"merge of scalars":  "b:\n  <<: [5]\n",
		"unknown tag":       "a: !foo 1\n",
		"bad int":           "a: !!int abc\n",
		"bad bool":          "a: !!bool maybe\n",
		"value tag":         "a: =\n",
		"syntax":            "a: [1\n",
	} {
		if _, err := parseYAML([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestYAMLBillionLaughsIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("a" + string(rune('0'+i%10)) + string(rune('a'+i)) + ": &a" + string(rune('a'+i)) + " [")
		prev := "*a0"
		if i > 1 {
			prev = "*a" + string(rune('a'+i-1))
		}
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(prev)
		}
		b.WriteString("]\n")
	}
	if _, err := parseYAML([]byte(b.String())); err == nil {
		t.Error("no error for an exponentially expanding document")
	}
}
