package jsonv

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// JSON text held in a JSON string, as oslo.messaging's envelope holds its
// message, can be parsed where it stands: a JSON encoder escapes only the
// quotes and backslashes of the text (and its control characters, which
// JSON text has only as whitespace), so a string of the text starts and
// ends with \" and its own escapes start with \\. Parsing it in place saves
// unescaping the text into a string of its own first. Anything else (a
// different escape, an error in either document) makes ParseEmbedded give
// up, and its caller takes the two steps, which decide every error.

// ParseEmbedded parses data as ParseKeep(data, keep) does, except that the
// value of the top-level member named key, a string holding JSON text, is
// that text parsed as ParseKeep(text, keepText) parses it, in the same
// pass. keep must keep key. ok is false when data or the text is not valid
// JSON, when the member's value is not a string, or when the text is
// escaped otherwise than a JSON encoder escapes it; the caller then parses
// data and the text itself, which gives the same result whenever ok is
// true.
//
// As with ParseKeep, the result may share the memory of a string data and
// never shares that of a []byte data.
func ParseEmbedded[T string | []byte](data T, keep func(key string) bool, key string, keepText func(key string) bool) (v any, ok bool) {
	m := mode{keep: keep, embed: key, embedKeep: keepText}
	var s string
	switch d := any(data).(type) {
	case string:
		s = d
	default:
		b := d.([]byte)
		s, m.clone = unsafe.String(unsafe.SliceData(b), len(b)), true
	}
	if strings.HasPrefix(s, "\uFEFF") || !utf8.ValidString(s) {
		return nil, false
	}
	v, err := parse(s, m)
	return v, err == nil
}

// atQuote reports whether a string starts at p.pos: at a quote or, in
// JSON text held in a string, at an escaped one.
func (p *parser) atQuote() bool {
	s, i := p.s, p.pos
	if !p.nested {
		return i < len(s) && s[i] == '"'
	}
	return i+1 < len(s) && s[i] == '\\' && s[i+1] == '"'
}

// embedded parses the value of the member p.embed: a string whose text is
// parsed as a document of its own, with its own depth, keeping the members
// p.embedKeep keeps.
func (p *parser) embedded() (any, error) {
	p.skipWS()
	if p.pos >= len(p.s) || p.s[p.pos] != '"' {
		return nil, p.errorf("Expecting a string holding JSON text")
	}
	p.pos++
	outer := p.mode
	depth := p.depth
	p.depth, p.keep, p.embed, p.nested = 0, p.embedKeep, "", true
	v, err := p.value()
	if err == nil {
		p.skipWS()
		if p.pos < len(p.s) && p.s[p.pos] == '"' {
			p.pos++
		} else {
			err = p.errorf("Extra data")
		}
	}
	p.depth, p.mode, p.nested = depth, outer, false
	return v, err
}

// strNested is str for JSON text held in a string: it scans from an
// escaped quote to the next one, and unescapes the text's escapes, whose
// backslashes are escaped (\\n, \\\" for a quote, \\\\ for a backslash).
func (p *parser) strNested() (string, error) {
	s := p.s
	start := p.pos + 2
	i := plainRun(s, start)
	if i+1 < len(s) && s[i] == '\\' && s[i+1] == '"' {
		p.pos = i + 2
		if p.clone && !p.discard {
			return p.copyString(s[start:i]), nil
		}
		return s[start:i], nil
	}
	b := append(p.scratch[:0], s[start:i]...)
	for {
		if i+1 >= len(s) || s[i] != '\\' {
			// The holding string ends, or has a control character.
			p.pos, p.scratch = i, b
			return "", p.errorf("Unterminated string starting at")
		}
		if s[i+1] == '"' {
			p.pos, p.scratch = i+2, b
			if p.discard {
				return unsafe.String(unsafe.SliceData(b), len(b)), nil
			}
			return p.copyString(unsafe.String(unsafe.SliceData(b), len(b))), nil
		}
		c, next := nestedEscape(s, i)
		if next == i {
			p.pos, p.scratch = i, b
			return "", p.errorf("Invalid escape in JSON text held in a string")
		}
		if c >= 0 {
			b = append(b, byte(c))
		} else {
			r, after, ok := unicodeEscape(s, i, `\\u`)
			if !ok {
				p.pos, p.scratch = i, b
				return "", p.errorf("Invalid \\uXXXX escape")
			}
			b, next = utf8.AppendRune(b, r), after
		}
		i = plainRun(s, next)
		b = append(b, s[next:i]...)
	}
}

// nestedEscape reads the escape of JSON text held in a string at s[i:]:
// an escaped backslash, then an escaped quote or backslash or a letter of
// JSON's escapes. It returns the byte the escape stands for and the index
// after it; -1 for \u, which the caller decodes; next == i when the escape
// is not one a JSON encoder writes.
func nestedEscape(s string, i int) (c int, next int) {
	if i+2 >= len(s) || s[i+1] != '\\' {
		return 0, i
	}
	switch e := s[i+2]; e {
	case '\\':
		if i+3 < len(s) && (s[i+3] == '"' || s[i+3] == '\\') {
			return int(s[i+3]), i + 4
		}
		return 0, i
	case 'u':
		return -1, i + 3
	case '"': // a raw quote ends the string holding the text
		return 0, i
	default:
		if c := shortEscapes[e]; c != 0 {
			return int(c), i + 3
		}
		return 0, i
	}
}
