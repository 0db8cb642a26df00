package jsonv

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PyStr formats v as Python's str() does: a string as is, None, True and
// False, integers in decimal, floats as repr() writes them (0.1, 20.0, 1e+16,
// 1e-05, inf, -inf, nan), and lists and dicts as their repr()
// ({'a': 1, 'b': [None, True]}).
func PyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(AppendPyRepr(nil, v))
}

// PyRepr formats v as Python's repr() does. Strings are quoted the way
// Python quotes them: single quotes unless the text contains a single quote
// and no double quote, with non-printable characters escaped. Printability
// follows Go's unicode tables, which may be a newer Unicode version than
// Python's.
func PyRepr(v any) string {
	return string(AppendPyRepr(nil, v))
}

// AppendPyRepr appends PyRepr(v) to dst.
func AppendPyRepr(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "None"...)
	case bool:
		if v {
			return append(dst, "True"...)
		}
		return append(dst, "False"...)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case *big.Int:
		return v.Append(dst, 10)
	case float64:
		switch {
		case math.IsNaN(v):
			return append(dst, "nan"...)
		case math.IsInf(v, 1):
			return append(dst, "inf"...)
		case math.IsInf(v, -1):
			return append(dst, "-inf"...)
		}
		return appendFloat(dst, v)
	case string:
		return appendPyQuoted(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = AppendPyRepr(dst, e)
		}
		return append(dst, ']')
	case *Object:
		dst = append(dst, '{')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			m := &v.members[i]
			dst = appendPyQuoted(dst, m.key)
			dst = append(dst, ": "...)
			dst = AppendPyRepr(dst, m.val)
		}
		return append(dst, '}')
	default:
		return appendPyQuoted(dst, fmt.Sprint(v))
	}
}

func appendPyQuoted(dst []byte, s string) []byte {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	dst = append(dst, quote)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == quote || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20 || c == 0x7F:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			r = utf8.RuneError // invalid UTF-8 cannot come from Python; show U+FFFD
		}
		i += n
		switch {
		case unicode.IsPrint(r):
			dst = utf8.AppendRune(dst, r)
		case r < 0x100:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xF])
		case r < 0x10000:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		default:
			dst = append(dst, '\\', 'U')
			dst = appendHex(dst, uint32(r), 8)
		}
	}
	return append(dst, quote)
}

func appendHex(dst []byte, v uint32, width int) []byte {
	for s := (width - 1) * 4; s >= 0; s -= 4 {
		dst = append(dst, hexDigits[(v>>uint(s))&0xF])
	}
	return dst
}
