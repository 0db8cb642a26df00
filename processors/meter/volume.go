package meter

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
)

// VolumeOK reports whether a sample with volume v leaves Ceilometer's sample
// pipeline (SamplePipeline._validate_volume): None is dropped, numbers (bools
// included, as Python counts them as ints) are kept, and anything else is
// kept only when Python's float() accepts it, so that the string " 1_000 "
// passes and keeps being a string. Lists and objects are dropped.
func VolumeOK(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool, int64, *big.Int, float64, int:
		return true
	case string:
		_, ok := pyFloat(v)
		return ok
	}
	return false
}

// pyFloat is Python's float(s) for a str: surrounding Unicode whitespace is
// ignored, Unicode decimal digits count as digits, an underscore may stand
// between two digits, and inf, infinity and nan are accepted in any case
// with an optional sign.
func pyFloat(s string) (float64, bool) {
	s = strings.Trim(toASCIIDecimal(s), " \t\n\v\f\r")
	if s == "" {
		return 0, false
	}
	if strings.IndexByte(s, '_') >= 0 {
		var ok bool
		if s, ok = dropUnderscores(s); !ok {
			return 0, false
		}
	}
	body := s
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	if !decimalFloat(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true // out of range: ±Inf or ±0, as Python rounds it
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// decimalFloat matches digits[.digits][e[sign]digits] or .digits[...], the
// finite numbers Python's float() reads.
func decimalFloat(s string) bool {
	i, digits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// dropUnderscores removes underscores that each stand between two digits
// and fails on any other underscore (PEP 515).
func dropUnderscores(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' {
			b.WriteByte(c)
			continue
		}
		if i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
			return "", false
		}
	}
	return b.String(), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// toASCIIDecimal is CPython's _PyUnicode_TransformDecimalAndSpaceToASCII:
// ASCII is kept, other whitespace becomes ' ', other decimal digits their
// ASCII digit, and anything else '?' (which no number contains).
func toASCIIDecimal(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.Map(func(r rune) rune {
				switch {
				case r < 0x80:
					return r
				case isPySpace(r):
					return ' '
				case unicode.IsDigit(r):
					return '0' + decimalValue(r)
				}
				return '?'
			}, s)
		}
	}
	return s
}

// isPySpace is Python's str.isspace for one character.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// decimalValue returns the digit value of a Unicode decimal digit: decimal
// digits come in runs of ten starting at zero.
func decimalValue(r rune) rune {
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return (r - start) % 10
}
