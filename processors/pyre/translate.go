package pyre

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// Verbose is set when the pattern starts with global flags that
	// include x (re.VERBOSE): whitespace is ignored and # starts a comment
	// up to the end of the line.
	Verbose bool
}

// globalFlags matches the inline flags Python 3.11 accepts at the start of
// a pattern only, such as (?i) or (?ix).
var globalFlags = regexp.MustCompile(`^(?:\(\?[aiLmsux]+\))+`)

// inlineFlags matches the start of an inline flags group, (?ix) or
// (?i-s:...), capturing its flags.
var inlineFlags = regexp.MustCompile(`^\(\?([a-zA-Z-]+)[:)]`)

// Anchored is Pattern anchored at the start of the text, for re.match. A
// verbose pattern's trailing comment ends at a newline before the closing
// parenthesis, which it would otherwise swallow.
func (t Translation) Anchored() string {
	if t.Verbose {
		return `\A(?:` + t.Pattern + "\n)"
	}
	return `\A(?:` + t.Pattern + `)`
}

// Translate rewrites a Python pattern for regexp2. Nothing inside a
// character class or after a backslash is rewritten; (?#...) comments are
// dropped, and verbose-mode comments kept as they are. A named group,
// backreference or comment that is not terminated, a backreference to a
// name not yet defined, and .NET syntax Python refuses ((?<name>...),
// (?'name'...), the n flag) are an *Error; anything else regexp2 itself
// checks when it compiles the translation.
func Translate(pattern string) (Translation, error) {
	var b strings.Builder
	t := Translation{Names: map[string]int{}}
	t.Verbose = strings.Contains(globalFlags.FindString(pattern), "x")
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
		case c == '#' && t.Verbose:
			// A comment, to the end of the line: nothing in it is syntax.
			end := strings.IndexByte(pattern[i:], '\n')
			if end < 0 {
				end = len(pattern) - i - 1
			}
			b.WriteString(pattern[i : i+end+1])
			i += end
			continue
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
		case c == '(' && strings.HasPrefix(pattern[i:], "(?#"):
			// An inline comment, up to the first ) not escaped: Python
			// drops it (a quantifier after it applies to what precedes
			// it), where .NET would end it at an escaped one.
			end := i + 3
			for end < len(pattern) && pattern[end] != ')' {
				if pattern[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(pattern) {
				return Translation{}, &Error{"missing ), unterminated comment"}
			}
			if end+1 < len(pattern) && pattern[end+1] == '?' && opensGroup(b.String()) {
				// "(" then "?" would read as another construct; Python
				// has nothing for the ? to repeat.
				return Translation{}, &Error{"nothing to repeat"}
			}
			i = end
			continue
		case c == '(' && (strings.HasPrefix(pattern[i:], "(?'") ||
			strings.HasPrefix(pattern[i:], "(?<") && !strings.HasPrefix(pattern[i:], "(?<=") && !strings.HasPrefix(pattern[i:], "(?<!")):
			// .NET's named groups (?<name>...) and (?'name'...): Python
			// has no such syntax.
			if pattern[i+2] == '\'' {
				return Translation{}, &Error{"unknown extension ?'"}
			}
			if i+3 >= len(pattern) {
				return Translation{}, &Error{"unexpected end of pattern"}
			}
			r, _ := utf8.DecodeRuneInString(pattern[i+3:])
			return Translation{}, &Error{"unknown extension ?<" + string(r)}
		case c == '(' && inlineFlags.MatchString(pattern[i:]):
			// .NET knows flags Python lacks, such as n (explicit capture,
			// which would renumber the groups), in either case.
			m := inlineFlags.FindStringSubmatch(pattern[i:])
			flags := m[1]
			if k := strings.IndexFunc(flags, func(r rune) bool { return !strings.ContainsRune("aiLmsux-", r) }); k == 0 {
				return Translation{}, &Error{"unknown extension ?" + flags[:1]}
			} else if k > 0 {
				return Translation{}, &Error{"unknown flag"}
			}
			if strings.HasSuffix(m[0], ")") && i >= len(globalFlags.FindString(pattern)) {
				// .NET applies (?x) from where it stands on.
				return Translation{}, &Error{"global flags not at the start of the expression"}
			}
		case c == '(' && strings.HasPrefix(pattern[i:], "(?("):
			// A conditional on a group: Python names it by number or
			// name, .NET would read a name it no longer knows (named
			// groups are numbered here) as a pattern to test.
			end := strings.IndexByte(pattern[i+3:], ')')
			if end < 0 {
				return Translation{}, &Error{"missing ), unterminated name"}
			}
			ref := pattern[i+3 : i+3+end]
			g, err := strconv.Atoi(ref)
			switch {
			case ref == "":
				return Translation{}, &Error{"missing group name"}
			case err == nil && ref[0] != '+' && ref[0] != '-':
			case !isIdentifier(ref):
				return Translation{}, &Error{"bad character in group name '" + ref + "'"}
			default:
				var ok bool
				if g, ok = t.Names[ref]; !ok {
					return Translation{}, &Error{"unknown group name '" + ref + "'"}
				}
			}
			b.WriteString("(?(" + strconv.Itoa(g) + ")")
			i += 3 + end
			continue
		case c == '(' && strings.HasPrefix(pattern[i:], "(?P<"):
			end := strings.IndexByte(pattern[i:], '>')
			if end < 0 {
				return Translation{}, &Error{"missing >, unterminated name"}
			}
			name := pattern[i+4 : i+end]
			if err := checkGroupName(name); err != nil {
				return Translation{}, err
			}
			t.Groups++
			if g, dup := t.Names[name]; dup {
				return Translation{}, &Error{fmt.Sprintf("redefinition of group name '%s' as group %d; was group %d", name, t.Groups, g)}
			}
			t.Names[name] = t.Groups
			if i+end+1 < len(pattern) && pattern[i+end+1] == '?' {
				// "(" then "?" would read as another construct; Python
				// has nothing for the ? to repeat.
				return Translation{}, &Error{"nothing to repeat"}
			}
			b.WriteByte('(')
			i += end
			continue
		case c == '(' && strings.HasPrefix(pattern[i:], "(?P="):
			end := strings.IndexByte(pattern[i:], ')')
			if end < 0 {
				return Translation{}, &Error{"missing ), unterminated name"}
			}
			if err := checkGroupName(pattern[i+4 : i+end]); err != nil {
				return Translation{}, err
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

// isIdentifier is Python's str.isidentifier for the names of groups, close
// enough: a letter or _, then letters, digits or _.
func isIdentifier(s string) bool {
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// checkGroupName refuses the group names Python refuses.
func checkGroupName(name string) error {
	switch {
	case name == "":
		return &Error{"missing group name"}
	case !isIdentifier(name):
		return &Error{"bad character in group name '" + name + "'"}
	}
	return nil
}

// opensGroup reports whether s ends with a ( that opens a group, not an
// escaped one.
func opensGroup(s string) bool {
	if !strings.HasSuffix(s, "(") {
		return false
	}
	n := len(s) - 1
	for n > 0 && s[n-1] == '\\' {
		n--
	}
	return (len(s)-1-n)%2 == 0
}
