package jsonpath

import (
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one lexeme of jsonpath-rw-ext's ExtendedJsonPathLexer.
type token struct {
	typ int
	pos int    // byte offset of the token in the expression
	str string // ID, NAMED_OPERATOR, FILTER_OP and SORT_DIRECTION text
	num any    // NUMBER (int64 or *big.Int), FLOAT (float64), BOOL (bool)
}

// lexer reproduces the PLY lexer of jsonpath-rw 1.4.0 as extended by
// jsonpath-rw-ext 1.2.2. PLY tries one master regular expression whose
// alternatives are, in this order (first match wins, not longest):
//
//	BOOL            true|false
//	SORT_DIRECTION  ,?\s*(/|\\)
//	ID              @?[a-zA-Z_][a-zA-Z0-9_@\-]*   ("where" is WHERE)
//	FLOAT           -?\d+\.\d+
//	NUMBER          -?\d+
//	' " `           start a quoted ID or a backquoted NAMED_OPERATOR
//	\n              newline, skipped
//	FILTER_OP       ==?|<=|>=|!=|<|>|~
//	DOUBLEDOT       \.\.
//
// then the single-character literals *.[]()$,:|&?@+/-. Spaces and tabs are
// skipped between tokens. Python's \s and \d are Unicode-aware, and so are
// these. The quirks follow: "trueish" is BOOL then ID "ish", "a-b" is one ID,
// and "/" always starts a SORT_DIRECTION, so division cannot be written.
type lexer struct {
	src string
	pos int
}

var literalTok = map[byte]int{
	'*': tokStar, '.': tokDot, '[': tokLBracket, ']': tokRBracket,
	'(': tokLParen, ')': tokRParen, '$': tokDollar, ',': tokComma,
	':': tokColon, '|': tokPipe, '&': tokAmp, '?': tokQuestion,
	'@': tokAt, '+': tokPlus, '/': tokSlash, '-': tokMinus,
}

func (lx *lexer) next() (token, *SyntaxError) {
	s := lx.src
	for lx.pos < len(s) {
		c := s[lx.pos]
		if c == ' ' || c == '\t' || c == '\n' {
			lx.pos++
			continue
		}
		start := lx.pos
		rest := s[start:]
		switch {
		case strings.HasPrefix(rest, "true"):
			lx.pos += 4
			return token{typ: tokBool, pos: start, num: true}, nil
		case strings.HasPrefix(rest, "false"):
			lx.pos += 5
			return token{typ: tokBool, pos: start, num: false}, nil
		}
		if n, dir := matchSortDirection(rest); n > 0 {
			lx.pos += n
			return token{typ: tokSortDirection, pos: start, str: dir}, nil
		}
		if n := matchID(rest); n > 0 {
			lx.pos += n
			if rest[:n] == "where" {
				return token{typ: tokWhere, pos: start, str: "where"}, nil
			}
			return token{typ: tokId, pos: start, str: rest[:n]}, nil
		}
		if t, n, ok := matchNumber(rest); ok {
			lx.pos += n
			t.pos = start
			return t, nil
		}
		switch c {
		case '\'', '"':
			return lx.quoted(c, tokId)
		case '`':
			return lx.quoted(c, tokNamedOperator)
		}
		if n := matchFilterOp(rest); n > 0 {
			lx.pos += n
			return token{typ: tokFilterOp, pos: start, str: rest[:n]}, nil
		}
		if strings.HasPrefix(rest, "..") {
			lx.pos += 2
			return token{typ: tokDoubledot, pos: start}, nil
		}
		if typ, ok := literalTok[c]; ok {
			lx.pos++
			return token{typ: typ, pos: start, str: rest[:1]}, nil
		}
		r, _ := utf8.DecodeRuneInString(rest)
		return token{}, syntaxErrorf(lx.src, start, "unexpected character %q", r)
	}
	return token{typ: tokEOF, pos: len(s)}, nil
}

// quoted lexes a '…', "…" or `…` string: a backslash takes the next
// character (except a newline) literally, dropping the backslash.
func (lx *lexer) quoted(q byte, typ int) (token, *SyntaxError) {
	start := lx.pos
	s := lx.src
	var b strings.Builder
	i := start + 1
	for i < len(s) {
		switch c := s[i]; c {
		case q:
			lx.pos = i + 1
			return token{typ: typ, pos: start, str: b.String()}, nil
		case '\\':
			if i+1 >= len(s) || s[i+1] == '\n' {
				return token{}, syntaxErrorf(s, i, "unexpected character '\\\\' in quoted string")
			}
			_, n := utf8.DecodeRuneInString(s[i+1:])
			b.WriteString(s[i+1 : i+1+n])
			i += 1 + n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return token{}, syntaxErrorf(s, start, "unterminated string")
}

// isPySpace reports whether r matches Python's \s in a str pattern.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1C && r <= 0x1F
}

func matchSortDirection(s string) (int, string) {
	i := 0
	if i < len(s) && s[i] == ',' {
		i++
	}
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isPySpace(r) {
			break
		}
		i += n
	}
	if i < len(s) && (s[i] == '/' || s[i] == '\\') {
		return i + 1, s[i : i+1]
	}
	return 0, ""
}

func isIDStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func matchID(s string) int {
	i := 0
	if i < len(s) && s[i] == '@' {
		i++
	}
	if i >= len(s) || !isIDStart(s[i]) {
		return 0
	}
	i++
	for i < len(s) && (isIDStart(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '@' || s[i] == '-') {
		i++
	}
	return i
}

// pyDigits returns the length of the run of Unicode decimal digits
// (Python's \d) at the start of s, and their ASCII form.
func pyDigits(s string) (int, string) {
	i := 0
	ascii := true
	for i < len(s) {
		if s[i] >= '0' && s[i] <= '9' {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.Is(unicode.Nd, r) {
			break
		}
		ascii = false
		i += n
	}
	if ascii {
		return i, s[:i]
	}
	var b strings.Builder
	for _, r := range s[:i] {
		b.WriteByte(byte('0' + digitValue(r)))
	}
	return i, b.String()
}

// digitValue returns the value of a Unicode decimal digit: Nd digits come
// in contiguous runs of ten, 0 to 9.
func digitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	k := 0
	for unicode.Is(unicode.Nd, r-rune(k)-1) {
		k++
	}
	return k % 10
}

func matchNumber(s string) (token, int, bool) {
	i := 0
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		i++
	}
	n, intDigits := pyDigits(s[i:])
	if n == 0 {
		return token{}, 0, false
	}
	i += n
	if i+1 < len(s) && s[i] == '.' {
		if m, fracDigits := pyDigits(s[i+1:]); m > 0 {
			text := intDigits + "." + fracDigits
			if neg {
				text = "-" + text
			}
			f, _ := strconv.ParseFloat(text, 64)
			return token{typ: tokFloat, num: f}, i + 1 + m, true
		}
	}
	if neg {
		intDigits = "-" + intDigits
	}
	return token{typ: tokNumber, num: parseInt(intDigits)}, i, true
}

// parseInt parses a decimal integer as int64, or *big.Int when it does not fit.
func parseInt(s string) any {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v
	}
	b, _ := new(big.Int).SetString(s, 10)
	return b
}

func matchFilterOp(s string) int {
	switch {
	case strings.HasPrefix(s, "=="):
		return 2
	case strings.HasPrefix(s, "="):
		return 1
	case strings.HasPrefix(s, "<="), strings.HasPrefix(s, ">="), strings.HasPrefix(s, "!="):
		return 2
	case strings.HasPrefix(s, "<"), strings.HasPrefix(s, ">"), strings.HasPrefix(s, "~"):
		return 1
	}
	return 0
}
