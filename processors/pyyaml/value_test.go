package pyyaml

import "testing"

func TestValueReadsAsPython(t *testing.T) {
	root, err := Parse([]byte(`
s: text
n: ~
i: 0
f: 1.5
b: yes
d: 2026-11-02
dt: 2026-11-02 10:00:00
l: [a, 1, null, [], {k: v}]
e: []
m: {1: x, true: y}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, typ, str string
		truthy, isInt bool
	}{
		{"s", "str", "text", true, false},
		{"n", "NoneType", "None", false, false},
		{"i", "int", "0", false, true},
		{"f", "float", "1.5", true, false},
		{"b", "bool", "True", true, true},
		{"d", "date", "2026-11-02", true, false},
		{"dt", "datetime", "2026-11-02 10:00:00", true, false},
		{"l", "list", "['a', 1, None, [], {'k': 'v'}]", true, false},
		{"e", "list", "[]", false, false},
		{"m", "dict", "{1: 'y'}", true, false},
		{"missing", "NoneType", "None", false, false},
	} {
		v := root.Get(tc.key)
		if got := v.TypeName(); got != tc.typ {
			t.Errorf("%s: type %s, want %s", tc.key, got, tc.typ)
		}
		if got := v.String(); got != tc.str {
			t.Errorf("%s: str() %q, want %q", tc.key, got, tc.str)
		}
		if v.Truthy() != tc.truthy || v.IsInt() != tc.isInt {
			t.Errorf("%s: truthy %v, int %v", tc.key, v.Truthy(), v.IsInt())
		}
		if root.Has(tc.key) != (tc.key != "missing") {
			t.Errorf("%s: Has says %v", tc.key, root.Has(tc.key))
		}
	}
	if s, ok := root.Get("s").Str(); !ok || s != "text" {
		t.Errorf("Str() = %q, %v", s, ok)
	}
	if _, ok := root.Get("i").Str(); ok {
		t.Error("Str() of an int")
	}
}

func TestLongValuesAreCutInMessages(t *testing.T) {
	root, err := Parse([]byte("a: &a [xxxxxxxxxx, xxxxxxxxxx, xxxxxxxxxx, xxxxxxxxxx]\nb: [*a, *a, *a, *a, *a, *a]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := root.Get("b").String(); len(s) != maxRender+len("...") {
		t.Errorf("str() is %d bytes: %s", len(s), s)
	}
}
