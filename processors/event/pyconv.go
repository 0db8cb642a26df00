package event

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"meterflow/processors/jsonv"
)

// This file holds Python 3.11's int(), float() and str() for JSON values,
// the conversions Ceilometer applies to trait values.

// maxIntDigits is Python 3.11's default int_max_str_digits.
const maxIntDigits = 4300

// pyInt is Python's int(v): int64 or *big.Int.
func pyInt(v any) (any, error) {
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
			return nil, errors.New("ValueError: cannot convert float NaN to integer")
		case math.IsInf(v, 0):
			return nil, errors.New("OverflowError: cannot convert float infinity to integer")
		case math.Abs(v) < 1<<63:
			return int64(v), nil
		}
		z, _ := big.NewFloat(v).Int(nil)
		return z, nil
	case string:
		return pyIntFromString(v)
	}
	return nil, fmt.Errorf("TypeError: int() argument must be a string, a bytes-like object or a real number, not '%s'", pyTypeName(v))
}

// pyFloat is Python's float(v).
func pyFloat(v any) (float64, error) {
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
			return 0, errors.New("OverflowError: int too large to convert to float")
		}
		return f, nil
	case float64:
		return v, nil
	case string:
		return pyFloatFromString(v)
	}
	return 0, fmt.Errorf("TypeError: float() argument must be a string or a real number, not '%s'", pyTypeName(v))
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *jsonv.Object:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// asciiNumber is CPython's _PyUnicode_TransformDecimalAndSpaceToASCII:
// Unicode white space becomes ' ', Unicode decimal digits their ASCII digit,
// and the text is cut at the first other non-ASCII character, marked '?'.
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
		case pyIsSpace(r):
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

// pyIsSpace is Python's str.isspace for one character.
func pyIsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
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

// isASCIISpace is CPython's Py_ISSPACE.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

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

// pyIntFromString is Python's int(s) for a str, base 10: surrounding white
// space, a sign, digits with single underscores between them.
func pyIntFromString(s string) (any, error) {
	bad := func() error {
		return fmt.Errorf("ValueError: invalid literal for int() with base 10: %s", jsonv.PyRepr(s))
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
	if len(digits) > maxIntDigits {
		return nil, fmt.Errorf("ValueError: Exceeds the limit (%d digits) for integer string conversion: value has %d digits", maxIntDigits, len(digits))
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
	return normInt(z), nil
}

// pyFloatFromString is Python's float(s) for a str: surrounding white space,
// a decimal literal (digits may be separated by single underscores), or
// inf, infinity and nan in any case, each with an optional sign. Literals
// beyond the float range are infinities, as in Python.
func pyFloatFromString(s string) (float64, error) {
	bad := func() error {
		return fmt.Errorf("ValueError: could not convert string to float: %s", jsonv.PyRepr(s))
	}
	t := trimASCIISpace(asciiNumber(s))
	if strings.IndexByte(t, '_') >= 0 {
		var b strings.Builder
		prev := byte(0)
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c == '_' {
				if prev < '0' || prev > '9' {
					return 0, bad()
				}
			} else {
				if prev == '_' && (c < '0' || c > '9') {
					return 0, bad()
				}
				b.WriteByte(c)
			}
			prev = c
		}
		if prev == '_' {
			return 0, bad()
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
		return sign * math.Inf(1), nil
	case "nan":
		return math.NaN(), nil
	}
	if !isDecimalLiteral(body) {
		return 0, bad()
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, bad()
	}
	return f, nil
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

// pyText is Ceilometer's text conversion: str(value)[:255], in characters.
func pyText(v any) string {
	s := jsonv.PyStr(v)
	if len(s) <= maxTextLen {
		return s
	}
	n := 0
	for i := range s {
		if n == maxTextLen {
			return s[:i]
		}
		n++
	}
	return s
}

// maxTextLen is the length Ceilometer crops text traits to (models.Trait
// convert_value), in characters.
const maxTextLen = 255
