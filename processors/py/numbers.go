package py

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"meterflow/processors/jsonv"
)

// Int is int(v): an int64, or a *big.Int when the value does not fit. A
// float is truncated toward zero; a str is read in base 10 as ParseInt
// reads it. The error is an *Error: ValueError, OverflowError or TypeError.
func Int(v any) (any, error) {
	switch v := v.(type) {
	case bool:
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	case int64, *big.Int:
		return v, nil
	case float64:
		switch {
		case math.IsNaN(v):
			return nil, &Error{"ValueError", "cannot convert float NaN to integer"}
		case math.IsInf(v, 0):
			return nil, &Error{"OverflowError", "cannot convert float infinity to integer"}
		case v >= -(1<<63) && v < 1<<63:
			return int64(v), nil
		}
		z, _ := big.NewFloat(v).Int(nil)
		return z, nil
	case string:
		return ParseInt(v)
	}
	return nil, &Error{"TypeError", "int() argument must be a string, a bytes-like object or a real number, not '" + TypeName(v) + "'"}
}

// Float is float(v). A str is read as ParseFloat reads it; an int too large
// for a float is an OverflowError. The error is an *Error.
func Float(v any) (float64, error) {
	switch v := v.(type) {
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case int64:
		return float64(v), nil
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		if math.IsInf(f, 0) {
			return 0, &Error{"OverflowError", "int too large to convert to float"}
		}
		return f, nil
	case float64:
		return v, nil
	case string:
		f, ok := ParseFloat(v)
		if !ok {
			return 0, &Error{"ValueError", "could not convert string to float: " + jsonv.PyRepr(v)}
		}
		return f, nil
	}
	return 0, &Error{"TypeError", "float() argument must be a string or a real number, not '" + TypeName(v) + "'"}
}

// ParseInt is int(s) for a str, base 10: surrounding white space, an
// optional sign, then decimal digits (Unicode decimal digits included)
// with single underscores between them. The error is an *Error
// (ValueError), also for more than jsonv.MaxIntDigits digits, Python's
// int_max_str_digits.
func ParseInt(s string) (any, error) {
	bad := func() error {
		return &Error{"ValueError", "invalid literal for int() with base 10: " + jsonv.PyRepr(s)}
	}
	t := trimASCIISpace(asciiNumber(s))
	if t == "" {
		return nil, bad()
	}
	neg := false
	if t[0] == '+' || t[0] == '-' {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' {
		return nil, bad()
	}
	digits := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '_' && t[i+1] != '_':
		default:
			return nil, bad()
		}
	}
	if len(digits) > jsonv.MaxIntDigits {
		return nil, &Error{"ValueError", "Exceeds the limit (" + strconv.Itoa(jsonv.MaxIntDigits) +
			" digits) for integer string conversion: value has " + strconv.Itoa(len(digits)) + " digits"}
	}
	if len(digits) <= 18 {
		n, _ := strconv.ParseInt(string(digits), 10, 64)
		if neg {
			n = -n
		}
		return n, nil
	}
	z, _ := new(big.Int).SetString(string(digits), 10)
	if neg {
		z.Neg(z)
	}
	if z.IsInt64() {
		return z.Int64(), nil
	}
	return z, nil
}

// ParseFloat is float(s) for a str, ok false where Python raises
// ValueError: surrounding white space (Unicode's included), then a decimal
// literal whose digits may be Unicode decimal digits and may be separated
// by single underscores, or inf, infinity or nan in any case, each with an
// optional sign. A literal beyond the float range is ±Inf or ±0, as Python
// rounds it.
func ParseFloat(s string) (f float64, ok bool) {
	t := trimASCIISpace(asciiNumber(s))
	if strings.IndexByte(t, '_') >= 0 {
		var b strings.Builder
		prev := byte(0)
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c == '_' {
				if prev < '0' || prev > '9' {
					return 0, false
				}
			} else {
				if prev == '_' && (c < '0' || c > '9') {
					return 0, false
				}
				b.WriteByte(c)
			}
			prev = c
		}
		if prev == '_' {
			return 0, false
		}
		t = b.String()
	}
	body := t
	sign := 1.0
	if body != "" && (body[0] == '+' || body[0] == '-') {
		if body[0] == '-' {
			sign = -1
		}
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return sign * math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	if !isDecimalLiteral(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// isDecimalLiteral reports whether s is digits, an optional fraction and an
// optional exponent, with at least one digit before the exponent.
func isDecimalLiteral(s string) bool {
	i, n := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		n++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// asciiNumber is CPython's _PyUnicode_TransformDecimalAndSpaceToASCII:
// Unicode white space becomes ' ', Unicode decimal digits their ASCII digit,
// and the text is cut at the first other non-ASCII character, marked '?'
// (which no number contains).
func asciiNumber(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case IsSpace(r):
			b.WriteByte(' ')
		default:
			d := decimalValue(r)
			if d < 0 {
				b.WriteByte('?')
				return b.String()
			}
			b.WriteByte(byte('0' + d))
		}
	}
	return b.String()
}

// decimalValue is the value of a Unicode decimal digit (category Nd), or -1.
// Unicode encodes decimal digits in contiguous runs from 0 to 9.
func decimalValue(r rune) int {
	if !unicode.Is(unicode.Nd, r) {
		return -1
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int((r-rune(rg.Lo))/rune(rg.Stride)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int((r-rune(rg.Lo))/rune(rg.Stride)) % 10
		}
	}
	return -1
}

// trimASCIISpace trims CPython's Py_ISSPACE characters, which is all the
// white space asciiNumber leaves.
func trimASCIISpace(s string) string {
	i, j := 0, len(s)
	for i < j && isASCIISpace(s[i]) {
		i++
	}
	for j > i && isASCIISpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
