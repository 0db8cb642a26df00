package pyre

import (
	"errors"
	"testing"
	"time"

	"github.com/dlclark/regexp2"
)

// FuzzCompile compiles arbitrary patterns and matches them against
// arbitrary text: no panic; Translate fails only with an *Error; the group
// count and names it reports are regexp2's for the translation (Python's
// numbering depends on it); a match is bounded by its timeout.
func FuzzCompile(f *testing.F) {
	for _, v := range vectors(f) {
		f.Add(v.pattern, "")
		for _, m := range v.matches {
			f.Add(v.pattern, m[0].(string))
		}
	}
	f.Add(`(?x) a # comment`, "a")
	f.Add(`(?P<x>a)(?P=x)\Z`, "aa")
	f.Add(`(a+)+$`, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		tr, err := Translate(pattern)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Translate(%q): %T %v, want *Error", pattern, err, err)
			}
			return
		}
		re, err := regexp2.Compile(tr.Pattern, regexp2.None)
		if err != nil {
			if _, err2 := Compile(pattern, time.Millisecond); err2 == nil {
				t.Fatalf("Compile(%q) accepted what regexp2 refuses: %v", pattern, err)
			}
			return
		}
		if n := len(re.GetGroupNumbers()) - 1; n != tr.Groups {
			t.Fatalf("Translate(%q) = %q: %d groups, regexp2 sees %d", pattern, tr.Pattern, tr.Groups, n)
		}
		for name, g := range tr.Names {
			if g < 1 || g > tr.Groups {
				t.Fatalf("Translate(%q): group %q is number %d of %d", pattern, name, g, tr.Groups)
			}
		}
		r, err := Compile(pattern, 10*time.Millisecond)
		if err != nil {
			t.Fatalf("Compile(%q): %v after the translation compiled", pattern, err)
		}
		if r.String() != pattern {
			t.Fatalf("String() = %q, want %q", r.String(), pattern)
		}
		_, _ = r.Match(text)
	})
}
