package jsonv

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Append appends the compact JSON encoding of v to dst, as Python's
// json.dumps(v, separators=(",", ":"), ensure_ascii=False) writes it:
// floats as repr() writes them (20.0, 1e+20), NaN, Infinity and -Infinity as
// bare words, non-ASCII text kept as UTF-8, and only '"', '\' and control
// characters escaped. Invalid UTF-8 (which no parsed value contains) is
// written as U+FFFD so that the output is always valid UTF-8.
//
// Go ints and other values outside the model are a programming error; they
// are written as the JSON string of their %v formatting.
func Append(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case *big.Int:
		return v.Append(dst, 10)
	case float64:
		switch {
		case math.IsNaN(v):
			return append(dst, "NaN"...)
		case math.IsInf(v, 1):
			return append(dst, "Infinity"...)
		case math.IsInf(v, -1):
			return append(dst, "-Infinity"...)
		}
		return appendFloat(dst, v)
	case string:
		return appendJSONString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Append(dst, e)
		}
		return append(dst, ']')
	case *Object:
		dst = append(dst, '{')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			m := &v.members[i]
			dst = appendJSONString(dst, m.key)
			dst = append(dst, ':')
			dst = Append(dst, m.val)
		}
		return append(dst, '}')
	default:
		return appendJSONString(dst, fmt.Sprint(v))
	}
}

// AppendString appends s as a JSON string, as Append(dst, s) does, without
// putting s in an interface.
func AppendString(dst []byte, s string) []byte {
	return appendJSONString(dst, s)
}

// Marshal returns the compact JSON encoding of v; see Append.
func Marshal(v any) []byte {
	return Append(make([]byte, 0, 64), v)
}

const hexDigits = "0123456789abcdef"

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || n != 1 {
				i += n
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendFloat appends a finite float as Python's float.__repr__ does: the
// shortest string that round-trips, in positional notation with at least one
// fractional digit when the decimal exponent is in [-4, 16), otherwise in
// scientific notation with a signed, at least two-digit exponent.
func appendFloat(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	abs := math.Abs(f)
	if abs >= 1e16 || abs < 1e-4 {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[n:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, '.', '0')
}
