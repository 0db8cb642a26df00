package pyre

import (
	"errors"
	"testing"
	"time"
)

// re.match results of Python 3.11 for verbose patterns whose comment runs
// to the end: anchoring must not let the comment swallow its parenthesis.
func TestVerbosePatternsMatchAtTheStartLikePython(t *testing.T) {
	for _, c := range []struct {
		pattern, text string
		want          bool
	}{
		{"(?x) a #c", "a", true},
		{"(?x) a #c", "ba", false},
		{"(?i)(?x) a #c", "A", true},
		{"(?xi) a|b #c", "B", true},
		{"(?x)[#] #c", "#", true},
		{"(?x)a#c\n|b", "b", true},
		{"(?x:a #c\n)b", "ab", true},
		{"(?x:a #c\n)b", "a", false},
		{"b|ab", "ab", true},
		{"a #c", "a #c", true},
	} {
		re, err := Compile(c.pattern, time.Second)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if got, err := re.Match(c.text); err != nil || got != c.want {
			t.Errorf("re.match(%q, %q) = %v, %v; Python %v", c.pattern, c.text, got, err, c.want)
		}
	}
}

// A verbose pattern's comments are not syntax: a parenthesis or a named
// group in one is no group (Python 3.11's numbering).
func TestVerboseCommentsHoldNoGroups(t *testing.T) {
	for pattern, want := range map[string]int{
		"(?x)(a) # (b) (?P<c>d) \\Z\n(e)": 2,
		"(?x)[#](a) #(":                   1,
		"(a)#(b)":                         2,
		"(?x)\\#(a)#(b)":                  1,
	} {
		tr, err := Translate(pattern)
		if err != nil || tr.Groups != want {
			t.Errorf("Translate(%q): %d groups, %v; Python counts %d", pattern, tr.Groups, err, want)
		}
	}
}

// Inline comments (?#...) are dropped as Python drops them; one that is not
// terminated is an error, as in Python.
func TestInlineCommentsAreDroppedLikePython(t *testing.T) {
	for _, c := range []struct {
		pattern, text, match string
		groups               int
	}{
		{"a(?#x)*", "aaa", "aaa", 0},
		{`(?#a\)b)c`, "c", "c", 0},
		{"(?#(a)(b)", "b", "b", 1},
		{"(?x)a(?#x #y)b", "ab", "ab", 0},
		{"[(?#]a", "(a", "(a", 0},
	} {
		tr, err := Translate(c.pattern)
		if err != nil || tr.Groups != c.groups {
			t.Errorf("Translate(%q): %d groups, %v; Python counts %d", c.pattern, tr.Groups, err, c.groups)
			continue
		}
		re, err := Compile(c.pattern, time.Second)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.pattern, err)
			continue
		}
		if ok, err := re.Match(c.text); !ok || err != nil {
			t.Errorf("re.match(%q, %q) = %v, %v; Python matches %q", c.pattern, c.text, ok, err, c.match)
		}
	}
	var pe *Error
	if _, err := Compile("0(?#", time.Second); !errors.As(err, &pe) || pe.Msg != "missing ), unterminated comment" {
		t.Errorf("Compile(0(?#): %v, want Python's unterminated comment", err)
	}
}

// .NET syntax Python refuses is refused: it would number groups otherwise.
func TestDotNetGroupSyntaxIsRefusedLikePython(t *testing.T) {
	for pattern, want := range map[string]string{
		"(?<1>)":  "unknown extension ?<1",
		"(?<a>x)": "unknown extension ?<a",
		"(?'a'x)": "unknown extension ?'",
		"(?<":     "unexpected end of pattern",
		"(?n)(a)": "unknown extension ?n",
		"(?in:a)": "unknown flag",
		"(?X)#":   "unknown extension ?X",
		"(?-n:a)": "unknown flag",
		"0(?x)#":  "global flags not at the start of the expression",
		"(a)(?i)": "global flags not at the start of the expression",
	} {
		var pe *Error
		if _, err := Translate(pattern); !errors.As(err, &pe) || pe.Msg != want {
			t.Errorf("Translate(%q): %v, want %q", pattern, err, want)
		}
	}
	for _, pattern := range []string{"(?<=a)b", "(?<!a)b", "(?>a)", "(?-i:a)", "(?i)n", "[(?<a>]", "(?i-s:a)", "(?a)a"} {
		if _, err := Translate(pattern); err != nil {
			t.Errorf("Translate(%q): %v; Python accepts it", pattern, err)
		}
	}
}

// A conditional (?(ref)yes|no) refers to a group, by number or by name,
// and is no group itself.
func TestConditionalsReferToGroupsLikePython(t *testing.T) {
	for _, c := range []struct {
		pattern string
		groups  int
		text    string
		match   bool
	}{
		{"(a)?(?(1)b|c)", 1, "ab", true},
		{"(a)?(?(1)b|c)", 1, "c", true},
		{"(a)?(?(1)b|c)", 1, "ac", false},
		{"(?P<n>a)?(?(n)b|c)", 1, "c", true},
		{"(?P<n>a)?(?(n)b|c)", 1, "ab", true},
		{"(a)?(?(01)b|c)", 1, "ab", true},
	} {
		tr, err := Translate(c.pattern)
		if err != nil || tr.Groups != c.groups {
			t.Errorf("Translate(%q): %d groups, %v; want %d", c.pattern, tr.Groups, err, c.groups)
			continue
		}
		re, err := Compile(c.pattern, time.Second)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.pattern, err)
			continue
		}
		if got, err := re.Match(c.text); got != c.match || err != nil {
			t.Errorf("re.match(%q, %q) = %v, %v; Python %v", c.pattern, c.text, got, err, c.match)
		}
	}
	for pattern, want := range map[string]string{
		"(?()0)":       "missing group name",
		"(?(x)a)":      "unknown group name 'x'",
		"(a)(?(1":      "missing ), unterminated name",
		"(a)(?(a-b)x)": "bad character in group name 'a-b'",
	} {
		var pe *Error
		if _, err := Translate(pattern); !errors.As(err, &pe) || pe.Msg != want {
			t.Errorf("Translate(%q): %v, want %q", pattern, err, want)
		}
	}
}

func TestGroupNamesAreCheckedLikePython(t *testing.T) {
	for pattern, want := range map[string]string{
		"(?P<>a)":          "missing group name",
		"(?P<>?())":        "missing group name",
		"(?P<A>?())":       "nothing to repeat",
		"((?#)?X)":         "nothing to repeat",
		"(?P<a-b>x)":       "bad character in group name 'a-b'",
		"(?P<1a>x)":        "bad character in group name '1a'",
		"(?P<a>x)(?P<a>y)": "redefinition of group name 'a' as group 2; was group 1",
		"(?P<a>x)(?P=)":    "missing group name",
	} {
		var pe *Error
		if _, err := Translate(pattern); !errors.As(err, &pe) || pe.Msg != want {
			t.Errorf("Translate(%q): %v, want %q", pattern, err, want)
		}
	}
	for pattern, text := range map[string]string{`\((?#x)?a`: "a", `\\\((?#x)?a`: `\a`} {
		if re, err := Compile(pattern, time.Second); err != nil {
			t.Errorf("%s: %v; Python reads an optional literal (", pattern, err)
		} else if ok, _ := re.Match(text); !ok {
			t.Errorf("re.match(%s, %s) failed; Python matches", pattern, text)
		}
	}
	if _, err := Compile("(?P<A>{)", time.Second); err != nil {
		t.Errorf("(?P<A>{): %v; Python reads a literal {", err)
	}
	if tr, err := Translate("(?P<é>x)(?P=é)"); err != nil || tr.Groups != 1 {
		t.Errorf("a non-ASCII name: %+v, %v", tr, err)
	}
}
