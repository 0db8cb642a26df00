package meter

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dlclark/regexp2"

	"meterflow/processors/jsonv"
)

// pyTime is the aware datetime that oslo_utils.timeutils.parse_isotime
// returns (iso8601.parse_date with UTC as the default zone).
type pyTime struct {
	year, month, day, hour, minute, second, micro int
	offset                                        int // minutes east of UTC
}

// errTime is wrapped by every timestamp error; Ceilometer raises ValueError.
var errTime = errors.New("ValueError")

// iso8601RE is iso8601's ISO8601_REGEX (iso8601 1.x, as Debian ships it),
// in .NET syntax for regexp2, which matches like Python's re: the same
// backtracking order, and $ also before a final newline.
var iso8601RE = regexp2.MustCompile(`^(?<year>[0-9]{4})(((-(?<monthdash>[0-9]{1,2}))|(?<month>[0-9]{2})(?!$))(((-(?<daydash>[0-9]{1,2}))|(?<day>[0-9]{2}))(((?<separator>[ T])(?<hour>[0-9]{2})(:{0,1}(?<minute>[0-9]{2})){0,1}(:{0,1}(?<second>[0-9]{1,2})([.,](?<second_fraction>[0-9]+)){0,1}){0,1}(?<timezone>Z|((?<tz_sign>[-+])(?<tz_hour>[0-9]{2}):{0,1}(?<tz_minute>[0-9]{2}){0,1})){0,1}){0,1})){0,1}){0,1}$`, regexp2.None)

func init() { iso8601RE.MatchTimeout = time.Second }

// parseISOTime is timeutils.parse_isotime(v).
func parseISOTime(v any) (pyTime, error) {
	s, ok := v.(string)
	if !ok {
		return pyTime{}, fmt.Errorf("%w: expected string or bytes-like object, got %s", errTime, pyTypeName(v))
	}
	if t, ok := parseCommonISOTime(s); ok {
		return t, t.validate()
	}
	return parseISOTimeRE(s)
}

// parseISOTimeRE is iso8601.parse_date through its regular expression.
func parseISOTimeRE(s string) (pyTime, error) {
	t, err := matchISOTime(s)
	if err != nil {
		return t, err
	}
	return t, t.validate()
}

// matchISOTime reads the fields of ISO8601_REGEX, unvalidated.
func matchISOTime(s string) (pyTime, error) {
	m, err := iso8601RE.FindStringMatch(s)
	if err != nil || m == nil || m.Index != 0 {
		return pyTime{}, fmt.Errorf("%w: Unable to parse date string %s", errTime, jsonv.PyRepr(s))
	}
	group := func(name string) (string, bool) {
		g := m.GroupByName(name)
		if g == nil || len(g.Captures) == 0 {
			return "", false
		}
		return g.String(), true
	}
	num := func(def int, names ...string) int {
		for _, n := range names {
			if s, ok := group(n); ok {
				v, _ := strconv.Atoi(s)
				return v
			}
		}
		return def
	}
	t := pyTime{
		year:   num(0, "year"),
		month:  num(1, "month", "monthdash"),
		day:    num(1, "day", "daydash"),
		hour:   num(0, "hour"),
		minute: num(0, "minute"),
		second: num(0, "second"),
	}
	if f, ok := group("second_fraction"); ok {
		t.micro = fractionMicros(f)
	}
	if tz, ok := group("timezone"); ok && tz != "Z" {
		h, m := num(0, "tz_hour"), num(0, "tz_minute")
		t.offset = h*60 + m
		if sign, _ := group("tz_sign"); sign == "-" {
			t.offset = -t.offset
		}
	}
	return t, nil
}

// parseCommonISOTime reads the forms OpenStack services send,
// YYYY-MM-DD[T ]HH:MM:SS[.f+][Z|±HH:MM], for which ISO8601_REGEX's groups
// are the obvious ones; anything else goes to the regular expression.
func parseCommonISOTime(s string) (pyTime, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return pyTime{}, false
	}
	var t pyTime
	var ok bool
	d := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				ok = false
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	ok = true
	t.year, t.month, t.day = d(0, 4), d(5, 2), d(8, 2)
	t.hour, t.minute, t.second = d(11, 2), d(14, 2), d(17, 2)
	rest := s[19:]
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return pyTime{}, false
		}
		t.micro = fractionMicros(rest[1:i])
		rest = rest[i:]
	}
	switch {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		sign := len(s) - 6
		t.offset = d(sign+1, 2)*60 + d(sign+4, 2)
		if rest[0] == '-' {
			t.offset = -t.offset
		}
	default:
		return pyTime{}, false
	}
	return t, ok
}

// fractionMicros is int(Decimal("0." + f) * Decimal("1000000.0")) in
// Python's default decimal context: the product is rounded half-even to 28
// significant digits, then truncated. It may return 1000000, which datetime
// then rejects, as Python does.
func fractionMicros(f string) int {
	lead := 0
	for lead < len(f) && f[lead] == '0' {
		lead++
	}
	keep := lead + 28 // digits of f that survive the rounding
	micro := 0
	for i := 0; i < 6; i++ {
		micro *= 10
		if i < len(f) {
			micro += int(f[i] - '0')
		}
	}
	if len(f) <= keep || keep < 6 {
		return micro
	}
	// Rounding up carries into the integer part only through nines.
	for i := 6; i < keep; i++ {
		if f[i] != '9' {
			return micro
		}
	}
	up := false
	switch first := f[keep]; {
	case first > '5':
		up = true
	case first == '5':
		up = true // at least half; exactly half rounds to even, and f[keep-1] is an odd 9
	}
	if up {
		micro++
	}
	return micro
}

// validate applies datetime's range checks.
func (t pyTime) validate() error {
	switch {
	case t.year < 1 || t.year > 9999:
		return fmt.Errorf("%w: year %d is out of range", errTime, t.year)
	case t.month < 1 || t.month > 12:
		return fmt.Errorf("%w: month must be in 1..12", errTime)
	case t.day < 1 || t.day > daysIn(t.year, t.month):
		return fmt.Errorf("%w: day is out of range for month", errTime)
	case t.hour > 23:
		return fmt.Errorf("%w: hour must be in 0..23", errTime)
	case t.minute > 59:
		return fmt.Errorf("%w: minute must be in 0..59", errTime)
	case t.second > 59:
		return fmt.Errorf("%w: second must be in 0..59", errTime)
	case t.micro > 999999:
		return fmt.Errorf("%w: microsecond must be in 0..999999", errTime)
	case t.offset <= -24*60 || t.offset >= 24*60:
		return fmt.Errorf("%w: offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)", errTime)
	}
	return nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// appendISO appends datetime.isoformat(): microseconds only when non-zero,
// and the UTC offset as ±HH:MM.
func (t pyTime) appendISO(b []byte) []byte {
	b = appendInt(b, t.year, 4)
	b = append(b, '-')
	b = appendInt(b, t.month, 2)
	b = append(b, '-')
	b = appendInt(b, t.day, 2)
	b = append(b, 'T')
	b = appendInt(b, t.hour, 2)
	b = append(b, ':')
	b = appendInt(b, t.minute, 2)
	b = append(b, ':')
	b = appendInt(b, t.second, 2)
	if t.micro != 0 {
		b = append(b, '.')
		b = appendInt(b, t.micro, 6)
	}
	off := t.offset
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = appendInt(b, off/60, 2)
	b = append(b, ':')
	return appendInt(b, off%60, 2)
}

func (t pyTime) isoformat() string {
	return string(t.appendISO(make([]byte, 0, 32)))
}

func appendInt(b []byte, v, width int) []byte {
	var tmp [8]byte
	i := len(tmp)
	for v > 0 || i > len(tmp)-width {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[i:]...)
}

// unixMicros is the instant in microseconds since the Unix epoch.
func (t pyTime) unixMicros() int64 {
	days := time.Date(t.year, time.Month(t.month), t.day, 0, 0, 0, 0, time.UTC).Unix() / 86400
	secs := days*86400 + int64(t.hour*3600+t.minute*60+t.second) - int64(t.offset*60)
	return secs*1e6 + int64(t.micro)
}

// pyTypeName is the Python type name of a JSON value, for messages.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "'NoneType'"
	case bool:
		return "'bool'"
	case string:
		return "'str'"
	case float64:
		return "'float'"
	case []any:
		return "'list'"
	case *jsonv.Object:
		return "'dict'"
	}
	return "'int'"
}
