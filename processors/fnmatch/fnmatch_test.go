package fnmatch

import (
	"encoding/json"
	"os"
	"testing"
)

// TestMatchAgreesWithPython checks every (pattern, name) pair of
// testdata/vectors.json, the answers of Python's fnmatch.fnmatch
// (regenerate with /usr/bin/python3 testdata/gen.py > testdata/vectors.json).
func TestMatchAgreesWithPython(t *testing.T) {
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors [][3]any
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) < 100 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	for _, v := range vectors {
		pattern, name, want := v[0].(string), v[1].(string), v[2].(bool)
		p, err := Compile(pattern)
		if err != nil {
			t.Errorf("compile %q: %v", pattern, err)
			continue
		}
		if got := p.Match(name); got != want {
			t.Errorf("fnmatch(%q, %q) = %v, Python says %v (regexp %s)", name, pattern, got, want, translateGlob(pattern))
		}
	}
}
