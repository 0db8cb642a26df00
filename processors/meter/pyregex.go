package meter

import (
	"strings"
	"time"

	"github.com/dlclark/regexp2"
)

// pyRegexp is a Python regular expression used with re.match: anchored at
// the start of the text only. regexp2 (without its RE2 option) backtracks
// like Python's re, with the same leftmost-first alternation, Unicode \d \w
// \s and a $ that also matches before a final newline, and supports the
// lookarounds the shipped meters.yaml uses.
type pyRegexp struct {
	text string
	re   *regexp2.Regexp
}

// compilePyRegexp compiles a Python pattern. timeout bounds one match.
func compilePyRegexp(pattern string, timeout time.Duration) (*pyRegexp, error) {
	re, err := regexp2.Compile(translatePyRegexp(pattern), regexp2.None)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = timeout
	return &pyRegexp{text: pattern, re: re}, nil
}

// match is re.match(pattern, s) is not None. A match that times out is an
// error (Python would go on backtracking).
func (r *pyRegexp) match(s string) (bool, error) {
	// A search finds the match at 0 first when there is one, as re.match
	// would; a later one means re.match fails.
	m, err := r.re.FindStringMatch(s)
	if err != nil {
		return false, err
	}
	return m != nil && m.Index == 0, nil
}

// translatePyRegexp rewrites the Python-only syntax into .NET's:
// (?P<name>...) to (?<name>...), (?P=name) to \k<name>, and \Z (end of text
// in Python) to \z.
func translatePyRegexp(p string) string {
	if !strings.Contains(p, "(?P") && !strings.Contains(p, `\Z`) {
		return p
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			if p[i+1] == 'Z' && !inClass {
				b.WriteString(`\z`)
			} else {
				b.WriteByte(c)
				b.WriteByte(p[i+1])
			}
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is a literal.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
			continue
		case strings.HasPrefix(p[i:], "(?P<"):
			b.WriteString("(?<")
			i += len("(?P<") - 1
			continue
		case strings.HasPrefix(p[i:], "(?P="):
			if end := strings.IndexByte(p[i:], ')'); end > 0 {
				b.WriteString(`\k<`)
				b.WriteString(p[i+len("(?P=") : i+end])
				b.WriteByte('>')
				i += end
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
