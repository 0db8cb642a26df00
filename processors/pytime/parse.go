package pytime

import (
	"regexp"
	"strconv"
	"strings"

	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// ParseISO is timeutils.parse_isotime(v): iso8601.parse_date with UTC as
// the default zone, so the Time is never naive. Only a str parses; the
// error is a ValueError (*py.Error) with Python's message.
func ParseISO(v any) (Time, error) {
	s, ok := v.(string)
	if !ok {
		return Time{}, valueError("expected string or bytes-like object, got '" + py.TypeName(v) + "'")
	}
	t, ok := parseCommon(s)
	if !ok {
		var err error
		if t, err = match(s); err != nil {
			return Time{}, err
		}
	}
	if err := t.validate(); err != nil {
		return Time{}, err
	}
	return t, nil
}

func valueError(msg string) error { return &py.Error{Type: "ValueError", Msg: msg} }

// iso8601RE is the iso8601 package's ISO8601_REGEX (version 1.x) rewritten
// for RE2: its "(?!$)" after a month without a dash only says that a day
// must follow, so the month-only branch is split in two. Go's regexp
// prefers alternatives the way Python's backtracking engine does, so the
// groups bind alike.
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

// isoGroups numbers the groups of iso8601RE by name.
var isoGroups = func() map[string]int {
	m := map[string]int{}
	for i, name := range iso8601RE.SubexpNames() {
		if name != "" {
			m[name] = i
		}
	}
	return m
}()

// match is iso8601.parse_date through ISO8601_REGEX, unvalidated.
func match(s string) (Time, error) {
	// Python's "$" also matches before a final newline, which nothing in
	// the pattern can consume.
	subject := strings.TrimSuffix(s, "\n")
	m := iso8601RE.FindStringSubmatchIndex(subject)
	if m == nil {
		return Time{}, valueError("Unable to parse date string " + jsonv.PyRepr(s))
	}
	group := func(name string) (string, bool) {
		for _, n := range [...]string{name, name + "1", name + "2"} {
			if i, ok := isoGroups[n]; ok && m[2*i] >= 0 {
				return subject[m[2*i]:m[2*i+1]], true
			}
		}
		return "", false
	}
	num := func(def int, names ...string) int {
		for _, n := range names {
			if g, ok := group(n); ok {
				v, _ := strconv.Atoi(g)
				return v
			}
		}
		return def
	}
	t := Time{
		year:   num(0, "year"),
		month:  num(1, "month", "monthdash"),
		day:    num(1, "day", "daydash"),
		hour:   num(0, "hour"),
		minute: num(0, "minute"),
		second: num(0, "second"),
	}
	if f, ok := group("fraction"); ok {
		t.micro = fractionMicros(f)
	}
	if tz, ok := group("timezone"); ok && tz != "Z" {
		t.offset = num(0, "tzhour")*60 + num(0, "tzminute")
		if sign, _ := group("tzsign"); sign == "-" {
			t.offset = -t.offset
		}
	}
	return t, nil
}

// parseCommon reads the forms OpenStack services send,
// YYYY-MM-DD[T ]HH:MM:SS[.f+][Z|±HH:MM], for which ISO8601_REGEX's groups
// are the obvious ones, unvalidated; ok is false for anything else, which
// goes to the regular expression.
func parseCommon(s string) (t Time, ok bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return Time{}, false
	}
	ok = true
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
	t.year, t.month, t.day = d(0, 4), d(5, 2), d(8, 2)
	t.hour, t.minute, t.second = d(11, 2), d(14, 2), d(17, 2)
	rest := s[19:]
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return Time{}, false
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
		return Time{}, false
	}
	return t, ok
}

// fractionMicros is int(Decimal("0." + f) * Decimal("1000000.0")) in
// Python's default decimal context: the product is rounded half-even to 28
// significant digits, then truncated. It may return 1000000, which
// validate then rejects, as datetime does.
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
	if len(f) <= keep {
		return micro
	}
	// Rounding up carries into the microseconds only through nines.
	for i := 6; i < keep; i++ {
		if f[i] != '9' {
			return micro
		}
	}
	// f[keep] decides. At 5 or more the product is at least half way; an
	// exact half rounds to even, and f[keep-1] is an odd 9, so up.
	if f[keep] >= '5' {
		micro++
	}
	return micro
}

// validate applies the checks of datetime.datetime(..., tzinfo=...), in
// Python's order: the UTC offset first (timezone() is built before the
// datetime), then the fields from the year down.
func (t Time) validate() error {
	switch {
	case t.offset <= -24*60 || t.offset >= 24*60:
		return valueError("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)")
	case t.year < 1 || t.year > 9999:
		return valueError("year " + strconv.Itoa(t.year) + " is out of range")
	case t.month < 1 || t.month > 12:
		return valueError("month must be in 1..12")
	case t.day < 1 || t.day > daysIn(t.year, t.month):
		return valueError("day is out of range for month")
	case t.hour > 23:
		return valueError("hour must be in 0..23")
	case t.minute > 59:
		return valueError("minute must be in 0..59")
	case t.second > 59:
		return valueError("second must be in 0..59")
	case t.micro > 999999:
		return valueError("microsecond must be in 0..999999")
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
