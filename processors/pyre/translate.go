package pyre

import (
	"strconv"
	"strings"
)

// Error is a pattern that Python's re.compile refuses (re.error) and
// Translate detects.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Translation is a Python pattern rewritten for regexp2 (with its default
// options, regexp2.None).
type Translation struct {
	// Pattern is the pattern for regexp2: named groups (?P<name>...) are
	// plain groups, so that regexp2 numbers every group from the left as
	// Python does (.NET numbers named groups after unnamed ones); a named
	// backreference (?P=name) refers to its group by number; \Z (the very
	// end in Python) is \z; a ] right after [ or [^ is escaped.
	Pattern string
	// Groups is the number of capturing groups.
	Groups int
	// Names maps the name of each named group to its number.
	Names map[string]int
}

// Translate rewrites a Python pattern for regexp2. Nothing inside a
// character class or after a backslash is rewritten. A named group or
// backreference that is not terminated, or a backreference to a name not
// yet defined, is an *Error; anything else regexp2 itself checks when it
// compiles the translation.
func Translate(pattern string) (Translation, error) {
	var b strings.Builder
	t := Translation{Names: map[string]int{}}
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			if !inClass && pattern[i+1] == 'Z' {
				b.WriteString(`\z`)
			} else {
				b.WriteString(pattern[i : i+2])
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
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(pattern) && pattern[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
			continue
		case c == '(' && strings.HasPrefix(pattern[i:], "(?P<"):
			end := strings.IndexByte(pattern[i:], '>')
			if end < 0 {
				return Translation{}, &Error{"missing >, unterminated name"}
			}
			t.Groups++
			t.Names[pattern[i+4:i+end]] = t.Groups
			b.WriteByte('(')
			i += end
			continue
		case c == '(' && strings.HasPrefix(pattern[i:], "(?P="):
			end := strings.IndexByte(pattern[i:], ')')
			if end < 0 {
				return Translation{}, &Error{"missing ), unterminated name"}
			}
			g, ok := t.Names[pattern[i+4:i+end]]
			if !ok {
				return Translation{}, &Error{"unknown group name"}
			}
			b.WriteString(`(?:\` + strconv.Itoa(g) + `)`)
			i += end
			continue
		case c == '(' && (i+1 >= len(pattern) || pattern[i+1] != '?'):
			t.Groups++
		}
		b.WriteByte(c)
	}
	t.Pattern = b.String()
	return t, nil
}
