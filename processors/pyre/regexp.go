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
	re, err := regexp2.Compile(t.Pattern, regexp2.None)
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
	// A search finds the match at 0 first when there is one, as re.match
	// would; a later one means re.match fails. Searching rather than
	// anchoring with \A(?:...) keeps a pattern's trailing verbose-mode
	// comment from swallowing the closing parenthesis.
	m, err := r.re.FindStringMatch(s)
	if err != nil {
		return false, err
	}
	return m != nil && m.Index == 0, nil
}
