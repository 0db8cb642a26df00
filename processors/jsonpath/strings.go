package jsonpath

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2"

	"meterflow/processors/py"
	"meterflow/processors/pyre"
)

// RegexTimeout bounds one regular-expression match (`sub` and the `~`
// filter operator), so that a pattern that backtracks catastrophically on
// a payload fails instead of hanging. Python has no such bound.
const RegexTimeout = 100 * time.Millisecond

// The argument syntax of `split(...)` and `sub(...)`, as _string.py's
// SPLIT and SUB regular expressions accept it (re.match: anchored at the
// start only; \s is Unicode whitespace; . is anything but a newline).
var (
	splitArgs = regexp.MustCompile(`^split\(([^\n]),[\s\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x1c-\x1f\v]+(\p{Nd}+),[\s\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x1c-\x1f\v]+(\p{Nd}+|-1)\)`)
	subArgs   = regexp.MustCompile(`^sub\(/([^\n]*)/,[\s\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x1c-\x1f\v]+([^\n]*)\)`)
)

// splitNode is `split(sep, segment, max_split)`: value.split(sep,
// max_split)[segment]; anything that fails (not a string, no such
// segment) is no match.
type splitNode struct {
	method   string
	sep      string
	segment  int64 // -1 when too large to index
	maxSplit int64 // -2 when too large for Python (OverflowError)
}

func newSplit(method string) (node, error) {
	m := splitArgs.FindStringSubmatch(method)
	if m == nil {
		return nil, fmt.Errorf("%s is not valid", method)
	}
	n := &splitNode{method: method, sep: m[1]}
	var err error
	_, seg := pyDigits(m[2])
	if n.segment, err = strconv.ParseInt(seg, 10, 64); err != nil {
		n.segment = -1
	}
	maxSplit := m[3]
	if maxSplit != "-1" {
		_, maxSplit = pyDigits(maxSplit)
	}
	if n.maxSplit, err = strconv.ParseInt(maxSplit, 10, 64); err != nil {
		n.maxSplit = -2
	}
	return n, nil
}

func (n *splitNode) find(e *evaluator, d int32) error {
	s, ok := e.arena[d].val.(string)
	if !ok || n.segment < 0 || n.maxSplit == -2 {
		return nil
	}
	parts := -1
	if n.maxSplit >= 0 && n.maxSplit < math.MaxInt32 {
		parts = int(n.maxSplit) + 1
	}
	// Find the segment without building every part.
	rest := s
	for i := int64(0); ; i++ {
		cut := -1
		if parts < 0 || i < int64(parts)-1 {
			cut = strings.Index(rest, n.sep)
		}
		if i == n.segment {
			if cut >= 0 {
				rest = rest[:cut]
			}
			return e.push(datum{val: rest, up: -1})
		}
		if cut < 0 {
			return nil
		}
		rest = rest[cut+len(n.sep):]
	}
}

// subNode is `sub(/regex/, repl)`: re.sub with Python's regex and
// replacement-template syntax. A value the substitution leaves unchanged is
// no match; a value that is not a string raises TypeError.
type subNode struct {
	method  string
	re      *pyRegexp
	repl    []replPart
	replErr error
}

func newSub(method string) (node, error) {
	m := subArgs.FindStringSubmatch(method)
	if m == nil {
		return nil, fmt.Errorf("%s is not valid", method)
	}
	expr := strings.TrimFunc(m[1], isPySpace)
	repl := strings.TrimFunc(m[2], isPySpace)
	re, err := compilePyRegexp(expr, false)
	if err != nil {
		return nil, err
	}
	n := &subNode{method: method, re: re}
	n.repl, n.replErr = parseTemplate(repl, re)
	return n, nil
}

func (n *subNode) find(e *evaluator, d int32) error {
	if n.replErr != nil { // re.sub compiles the template before it looks at the string
		return n.replErr
	}
	s, ok := e.arena[d].val.(string)
	if !ok {
		return typeError("expected string or bytes-like object, got '%s'", py.TypeName(e.arena[d].val))
	}
	var out string
	err := e.regex(func() (err error) {
		out, err = n.re.sub(s, n.repl)
		return err
	})
	if err != nil || out == s {
		return err
	}
	return e.push(datum{val: out, up: -1})
}

// pyRegexp is a Python regular expression run by regexp2. Named groups are
// turned into numbered ones so that group numbers follow Python's order
// (.NET numbers named groups after unnamed ones).
type pyRegexp struct {
	re     *regexp2.Regexp
	groups int
	names  map[string]int
}

// compilePyRegexp translates Python syntax regexp2 lacks (see
// pyre.Translate) and compiles it; anchored patterns match at the start
// only, like re.match.
func compilePyRegexp(pat string, anchored bool) (*pyRegexp, error) {
	t, err := pyre.Translate(pat)
	if err != nil {
		return nil, &pyErr{"re.error", err.Error()}
	}
	p := &pyRegexp{groups: t.Groups, names: t.Names}
	re, err := regexp2.Compile(t.Pattern, regexp2.None)
	if err != nil {
		return nil, &pyErr{"re.error", err.Error()}
	}
	if anchored {
		if re, err = regexp2.Compile(t.Anchored(), regexp2.None); err != nil {
			return nil, &pyErr{"re.error", err.Error()}
		}
	}
	re.MatchTimeout = RegexTimeout
	p.re = re
	return p, nil
}

func regexErr(err error) error {
	return &pyErr{"LimitExceeded", "regular expression: " + err.Error()}
}

func (p *pyRegexp) matchPrefix(s string) (bool, error) {
	m, err := p.re.FindStringMatch(s)
	if err != nil {
		return false, regexErr(err)
	}
	return m != nil, nil
}

// sub is re.sub(pattern, repl, s) with a parsed template.
func (p *pyRegexp) sub(s string, repl []replPart) (string, error) {
	m, err := p.re.FindStringMatch(s)
	if err != nil {
		return "", regexErr(err)
	}
	if m == nil {
		return s, nil
	}
	runes := []rune(s) // regexp2 reports rune offsets
	var b strings.Builder
	last := 0
	for m != nil {
		b.WriteString(string(runes[last:m.Index]))
		for _, part := range repl {
			if part.group < 0 {
				b.WriteString(part.lit)
			} else if g := m.GroupByNumber(part.group); g != nil && len(g.Captures) > 0 {
				b.WriteString(g.String())
			}
		}
		if b.Len() > MaxResultSize {
			return "", errTooLarge
		}
		last = m.Index + m.Length
		if m, err = p.re.FindNextMatch(m); err != nil {
			return "", regexErr(err)
		}
	}
	b.WriteString(string(runes[last:]))
	return b.String(), nil
}

// replPart is a literal (group < 0) or a group reference.
type replPart struct {
	lit   string
	group int
}

// parseTemplate parses a re.sub replacement string as Python 3.11's
// sre_parse.parse_template does: \1..\99 and \g<name|n> are group
// references, \0 and three-digit forms are octal escapes, \n \t and the
// other C escapes are characters, an unknown escape of an ASCII letter is
// an error and any other unknown escape is kept as written.
func parseTemplate(t string, re *pyRegexp) ([]replPart, error) {
	var parts []replPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, replPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	bad := func(msg string) error { return &pyErr{"re.error", msg} }
	addGroup := func(g int) error {
		if g > re.groups {
			return bad("invalid group reference " + strconv.Itoa(g))
		}
		flush()
		parts = append(parts, replPart{group: g})
		return nil
	}
	isOct := func(i int) bool { return i < len(t) && t[i] >= '0' && t[i] <= '7' }
	isDig := func(i int) bool { return i < len(t) && t[i] >= '0' && t[i] <= '9' }
	for i := 0; i < len(t); {
		c := t[i]
		if c != '\\' {
			_, n := utf8.DecodeRuneInString(t[i:])
			lit.WriteString(t[i : i+n])
			i += n
			continue
		}
		if i+1 >= len(t) {
			return nil, bad("bad escape (end of pattern)")
		}
		e := t[i+1]
		i += 2
		switch {
		case e == 'g':
			if i >= len(t) || t[i] != '<' {
				return nil, bad("missing <")
			}
			end := strings.IndexByte(t[i:], '>')
			if end < 0 {
				return nil, bad("missing >, unterminated name")
			}
			name := t[i+1 : i+end]
			i += end + 1
			if g, ok := re.names[name]; ok {
				if err := addGroup(g); err != nil {
					return nil, err
				}
				continue
			}
			if isIdentifier(name) {
				return nil, &pyErr{"IndexError", "unknown group name '" + name + "'"}
			}
			g, err := strconv.Atoi(name)
			if err != nil || name == "" || name[0] < '0' || name[0] > '9' {
				return nil, bad("bad character in group name '" + name + "'")
			}
			if err := addGroup(g); err != nil {
				return nil, err
			}
		case e == '0':
			v := 0
			for k := 0; k < 2 && isOct(i); k++ {
				v = v*8 + int(t[i]-'0')
				i++
			}
			lit.WriteRune(rune(v))
		case e >= '1' && e <= '9':
			if isDig(i) {
				if e <= '7' && isOct(i) && isOct(i+1) {
					v := int(e-'0')*64 + int(t[i]-'0')*8 + int(t[i+1]-'0')
					if v > 0o377 {
						return nil, bad("octal escape value out of range")
					}
					lit.WriteRune(rune(v))
					i += 2
					continue
				}
				if err := addGroup(int(e-'0')*10 + int(t[i]-'0')); err != nil {
					return nil, err
				}
				i++
				continue
			}
			if err := addGroup(int(e - '0')); err != nil {
				return nil, err
			}
		default:
			if r, ok := pyEscapes[e]; ok {
				lit.WriteByte(r)
			} else if e < utf8.RuneSelf && unicode.IsLetter(rune(e)) {
				return nil, bad(`bad escape \` + string(e))
			} else {
				_, n := utf8.DecodeRuneInString(t[i-1:])
				lit.WriteByte('\\')
				lit.WriteString(t[i-1 : i-1+n])
				i += n - 1
			}
		}
	}
	flush()
	return parts, nil
}

var pyEscapes = map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\'}

func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r))) {
			return false
		}
	}
	return s != ""
}
