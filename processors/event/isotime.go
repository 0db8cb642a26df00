package event

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"meterflow/processors/jsonv"
)

// isoTime is a datetime as oslo_utils.timeutils.parse_isotime returns it:
// the wall clock as written and its UTC offset (UTC when none is written).
type isoTime struct {
	wall   time.Time // the written date and time, in time.UTC
	offset time.Duration
}

// utc is the instant as a naive UTC time, timeutils.normalize_time.
func (t isoTime) utc() time.Time { return t.wall.Add(-t.offset) }

// micros is the instant in microseconds since the Unix epoch.
func (t isoTime) micros() int64 {
	u := t.utc()
	return u.Unix()*1e6 + int64(u.Nanosecond()/1000)
}

// iso8601RE is the iso8601 package's ISO8601_REGEX (version 1.x, as
// Debian's python3-iso8601 ships it) rewritten for RE2: its "(?!$)" after a
// month without a dash only says that a day must follow, so the month-only
// branch is split in two. Go's regexp prefers alternatives the way Python's
// backtracking engine does, so the groups bind alike.
var iso8601RE = regexp.MustCompile(`^(?P<year>[0-9]{4})(?:` +
	`-(?P<monthdash>[0-9]{1,2})(?:` + dayTime("1") + `)?` +
	`|(?P<month>[0-9]{2})(?:` + dayTime("2") + `)` +
	`)?$`)

func dayTime(n string) string {
	return `(?:-(?P<daydash` + n + `>[0-9]{1,2})|(?P<day` + n + `>[0-9]{2}))` +
		`(?:(?P<separator` + n + `>[ T])` +
		`(?P<hour` + n + `>[0-9]{2})` +
		`(?::?(?P<minute` + n + `>[0-9]{2}))?` +
		`(?::?(?P<second` + n + `>[0-9]{1,2})(?:[.,](?P<fraction` + n + `>[0-9]+))?)?` +
		`(?P<timezone` + n + `>Z|(?P<tzsign` + n + `>[-+])(?P<tzhour` + n + `>[0-9]{2}):?(?P<tzminute` + n + `>[0-9]{2})?)?` +
		`)?`
}

var isoGroups = func() map[string]int {
	m := map[string]int{}
	for i, name := range iso8601RE.SubexpNames() {
		if name != "" {
			m[name] = i
		}
	}
	return m
}()

// parseISOTime is timeutils.parse_isotime (iso8601.parse_date with UTC as the
// default zone) for a JSON value: only a str can parse.
func parseISOTime(v any) (isoTime, error) {
	s, ok := v.(string)
	if !ok {
		return isoTime{}, fmt.Errorf("ValueError: Unable to parse date string %s", jsonv.PyRepr(v))
	}
	if t, ok := parseISOTimeFast(s); ok {
		return t, nil
	}
	return parseISOTimeRE(s)
}

func parseISOTimeRE(s string) (isoTime, error) {
	// Python's "$" also matches before a final newline, which nothing in the
	// pattern can consume.
	subject := strings.TrimSuffix(s, "\n")
	m := iso8601RE.FindStringSubmatchIndex(subject)
	if m == nil {
		return isoTime{}, fmt.Errorf("ValueError: Unable to parse date string %s", jsonv.PyRepr(s))
	}
	group := func(name string) (string, bool) {
		for _, n := range []string{name, name + "1", name + "2"} {
			if i, ok := isoGroups[n]; ok && m[2*i] >= 0 {
				return subject[m[2*i]:m[2*i+1]], true
			}
		}
		return "", false
	}
	num := func(name string, def int) int {
		if g, ok := group(name); ok {
			n, _ := strconv.Atoi(g)
			return n
		}
		return def
	}
	year := num("year", 0)
	month := num("month", num("monthdash", 1))
	day := num("day", num("daydash", 1))
	hour, minute, second := num("hour", 0), num("minute", 0), num("second", 0)
	frac, _ := group("fraction")
	micro, ok := fractionMicros(frac)
	if !ok {
		return isoTime{}, fmt.Errorf("ValueError: microsecond must be in 0..999999")
	}
	var offset time.Duration
	if tz, ok := group("timezone"); ok && tz != "Z" {
		sign, _ := group("tzsign")
		h, mi := num("tzhour", 0), num("tzminute", 0)
		offset = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute
		if sign == "-" {
			offset = -offset
		}
		if offset <= -24*time.Hour || offset >= 24*time.Hour {
			return isoTime{}, fmt.Errorf("ValueError: offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)")
		}
	}
	return makeISOTime(year, month, day, hour, minute, second, micro, offset)
}

// fractionMicros is iso8601's int(Decimal("0.<digits>") * Decimal("1000000.0")):
// the product rounded half-even to 28 significant digits, then truncated.
func fractionMicros(digits string) (int, bool) {
	if digits == "" {
		return 0, true
	}
	if len(digits) <= 28 {
		d := (digits + "000000")[:6]
		n, _ := strconv.Atoi(d)
		return n, true
	}
	n, _ := new(big.Int).SetString(digits, 10)
	if nd := len(n.String()); nd > 28 {
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(nd-28)), nil)
		q, r := new(big.Int).QuoRem(n, scale, new(big.Int))
		half := new(big.Int).Rsh(scale, 1) // scale is even: 10^k
		switch c := r.Cmp(half); {
		case c > 0, c == 0 && q.Bit(0) == 1:
			q.Add(q, big.NewInt(1))
		}
		n.Mul(q, scale)
	}
	// micro = floor(n * 10^6 / 10^len(digits))
	n.Mul(n, big.NewInt(1000000))
	n.Quo(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(digits))), nil))
	if n.Cmp(big.NewInt(999999)) > 0 {
		return 0, false
	}
	return int(n.Int64()), true
}

func makeISOTime(year, month, day, hour, minute, second, micro int, offset time.Duration) (isoTime, error) {
	switch {
	case year < 1 || year > 9999:
		return isoTime{}, fmt.Errorf("ValueError: year %d is out of range", year)
	case month < 1 || month > 12:
		return isoTime{}, fmt.Errorf("ValueError: month must be in 1..12")
	case day < 1 || day > daysIn(year, month):
		return isoTime{}, fmt.Errorf("ValueError: day is out of range for month")
	case hour > 23:
		return isoTime{}, fmt.Errorf("ValueError: hour must be in 0..23")
	case minute > 59:
		return isoTime{}, fmt.Errorf("ValueError: minute must be in 0..59")
	case second > 59:
		return isoTime{}, fmt.Errorf("ValueError: second must be in 0..59")
	}
	wall := time.Date(year, time.Month(month), day, hour, minute, second, micro*1000, time.UTC)
	return isoTime{wall: wall, offset: offset}, nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseISOTimeFast parses the common shape YYYY-MM-DD[T ]HH:MM:SS[.ffffff]
// with an optional Z or ±HH:MM, which the regular expression reads the same
// way; anything else goes to the regular expression.
func parseISOTimeFast(s string) (isoTime, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return isoTime{}, false
	}
	d := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := d(0, 4)
	month, ok2 := d(5, 2)
	day, ok3 := d(8, 2)
	hour, ok4 := d(11, 2)
	minute, ok5 := d(14, 2)
	second, ok6 := d(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return isoTime{}, false
	}
	rest := s[19:]
	micro := 0
	if rest != "" && rest[0] == '.' {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 1 || j > 7 {
			return isoTime{}, false
		}
		micro, _ = d(20, j-1)
		for k := j - 1; k < 6; k++ {
			micro *= 10
		}
		rest = rest[j:]
	}
	var offset time.Duration
	switch {
	case rest == "":
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, ok1 := d(len(s)-5, 2)
		m, ok2 := d(len(s)-2, 2)
		if !ok1 || !ok2 {
			return isoTime{}, false
		}
		offset = time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
		if rest[0] == '-' {
			offset = -offset
		}
		if offset <= -24*time.Hour || offset >= 24*time.Hour {
			return isoTime{}, false
		}
	default:
		return isoTime{}, false
	}
	t, err := makeISOTime(year, month, day, hour, minute, second, micro, offset)
	return t, err == nil
}

// normalizeISOTime is timeutils.normalize_time(timeutils.parse_isotime(v))
// formatted as Python's datetime.isoformat() formats a naive datetime.
func normalizeISOTime(v any) (string, error) {
	t, err := parseISOTime(v)
	if err != nil {
		return "", err
	}
	u := t.utc()
	if y := u.Year(); y < 1 || y > 9999 {
		return "", fmt.Errorf("OverflowError: date value out of range")
	}
	return formatISO(u), nil
}

// formatISO formats a naive UTC time as datetime.isoformat():
// 2026-11-02T10:01:07 or 2026-11-02T10:01:07.009973.
func formatISO(t time.Time) string {
	b := make([]byte, 0, 26)
	b = appendPadded(b, t.Year(), 4)
	b = append(b, '-')
	b = appendPadded(b, int(t.Month()), 2)
	b = append(b, '-')
	b = appendPadded(b, t.Day(), 2)
	b = append(b, 'T')
	b = appendPadded(b, t.Hour(), 2)
	b = append(b, ':')
	b = appendPadded(b, t.Minute(), 2)
	b = append(b, ':')
	b = appendPadded(b, t.Second(), 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = appendPadded(b, us, 6)
	}
	return string(b)
}

func appendPadded(b []byte, v, width int) []byte {
	var buf [8]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:width]...)
}
