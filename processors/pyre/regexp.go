package pyre

import (
	"time"

	"github.com/dlclark/regexp2"
)

// Regexp is a compiled Python pattern.
type Regexp struct {
	text string
	re   *regexp2.Regexp
}

// Compile translates and compiles a Python pattern. timeout bounds one
// match: Python has no such bound, but a pattern that backtracks
// catastrophically on some text would otherwise hang.
func Compile(pattern string, timeout time.Duration) (*Regexp, error) {
	t, err := Translate(pattern)
	if err != nil {
		return nil, err
	}
	// Compiling the translation alone first reports errors in terms of
	// the pattern as written.
	if _, err := regexp2.Compile(t.Pattern, regexp2.None); err != nil {
		return nil, err
	}
	re, err := regexp2.Compile(t.Anchored(), regexp2.None)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = timeout
	return &Regexp{text: pattern, re: re}, nil
}

// String is the pattern as written in Python.
func (r *Regexp) String() string { return r.text }

// Match is re.match(pattern, s) is not None: whether the pattern matches at
// the start of s (and not necessarily up to its end). A match that times
// out is an error.
func (r *Regexp) Match(s string) (bool, error) {
	// The pattern is anchored (Translation.Anchored): a failed match does
	// not search the rest of s.
	m, err := r.re.FindStringMatch(s)
	if err != nil {
		return false, err
	}
	return m != nil, nil
}
