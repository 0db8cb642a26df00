package fnmatch

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMatch matches arbitrary names against arbitrary patterns: the fast
// paths (literal, prefix*) agree with the translated regular expression,
// and patterns without sets agree with a plain wildcard matcher.
func FuzzMatch(f *testing.F) {
	if data, err := os.ReadFile("testdata/vectors.json"); err == nil {
		var vectors [][3]any
		json.Unmarshal(data, &vectors)
		for i, v := range vectors {
			if i%5 == 0 {
				f.Add(v[0].(string), v[1].(string))
			}
		}
	}
	f.Add("[!a-c]*.end", "d.end")
	f.Add("a*b?c", "a\nbxc")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(name) {
			return // Python's str holds no invalid UTF-8
		}
		p, err := Compile(pattern)
		if err != nil {
			return
		}
		got := p.Match(name)
		if re, err := regexp.Compile(translateGlob(pattern)); err == nil && re.MatchString(name) != got {
			t.Fatalf("fnmatch(%q, %q) = %v, its regexp %s says otherwise", name, pattern, got, translateGlob(pattern))
		}
		if !strings.Contains(pattern, "[") {
			if want := wildcardMatch([]rune(pattern), []rune(name)); got != want {
				t.Fatalf("fnmatch(%q, %q) = %v, want %v", name, pattern, got, want)
			}
		}
	})
}

// wildcardMatch matches * (any runes) and ? (one rune), everything else
// literally, backtracking only to the last star (linear in practice).
func wildcardMatch(p, s []rune) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] != '*' && p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
