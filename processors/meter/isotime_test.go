package meter

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Expected values from oslo_utils.timeutils.parse_isotime(s).isoformat()
// under Debian's Python 3.11 and iso8601 1.x.
var isoCases = []struct{ in, want string }{
	{"2026-11-08 16:07:49.069811", "2026-11-08T16:07:49.069811+00:00"},
	{"2026-11-08T16:07:49Z", "2026-11-08T16:07:49+00:00"},
	{"2026", "2026-01-01T00:00:00+00:00"},
	{"2026-1-5", "2026-01-05T00:00:00+00:00"},
	{"20261105", "2026-11-05T00:00:00+00:00"},
	{"2026-11-05T12:3", "2026-11-05T12:00:03+00:00"},
	{"2026-11-05T1230", "2026-11-05T12:30:00+00:00"},
	{"2026-11-05 12:30:00+05:30", "2026-11-05T12:30:00+05:30"},
	{"2026-11-05 12:30:00-0130", "2026-11-05T12:30:00-01:30"},
	{"2026-11-05 12:30:00+99", "ERR"},
	{"2026-11-05T00:00:00.1234567", "2026-11-05T00:00:00.123456+00:00"},
	{"2026-11-05T00:00:00.999999999999999999999999999999", "ERR"},
	{"2026-11-05T00:00:00.123456999999999999999999999999", "2026-11-05T00:00:00.123457+00:00"},
	{"2026-11-05T00:00:00.1234569999999999999999999994", "2026-11-05T00:00:00.123456+00:00"},
	{"2026-11-05T00:00:00.0000000000000000000000000000009999", "2026-11-05T00:00:00+00:00"},
	{"2026-11-05T00:00:00,5", "2026-11-05T00:00:00.500000+00:00"},
	{"2026-11-05T00:00:00\n", "2026-11-05T00:00:00+00:00"},
	{"2026-11-05T00:00:00-00:00", "2026-11-05T00:00:00+00:00"},
	{"2026-11-05T00:00:00+23:59", "2026-11-05T00:00:00+23:59"},
	{"2026-11-05T00:00:00-05", "2026-11-05T00:00:00-05:00"},
	{"2026-02-29T00:00:00", "ERR"},
	{"2024-02-29T00:00:00", "2024-02-29T00:00:00+00:00"},
	{"0000-01-01", "ERR"},
	{"2026-11-05T24:00:00", "ERR"},
	{"2026-11-05T23:60", "ERR"},
	{"2026-11-05T23:59:60", "ERR"},
	{"bad", "ERR"},
	{"", "ERR"},
	{"2026-11-05T00:00:00+24:00", "ERR"},
	{"202611", "ERR"},
	{"2026-11-05T12", "2026-11-05T12:00:00+00:00"},
	{"2026-11-05 12:30:00.", "ERR"},
	{"2026-11-05T12:30:00 +01:00", "ERR"},
}

func TestTimestampsAreNormalisedAsOsloDoes(t *testing.T) {
	for _, tc := range isoCases {
		got, err := isoformat(tc.in)
		if err != nil {
			got = "ERR"
		}
		if got != tc.want {
			t.Errorf("parse_isotime(%q).isoformat() = %q, want %q (err %v)", tc.in, got, tc.want, err)
		}
	}
	for _, v := range []any{nil, int64(5), 1.5, []any{}} {
		if _, err := isoformat(v); err == nil {
			t.Errorf("isoformat(%#v) succeeded, want a ValueError", v)
		}
	}
}

// The fast path must agree with ISO8601_REGEX on every input it takes.
func TestCommonTimestampFormsAgreeWithTheRegex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		s := fmt.Sprintf("%04d-%02d-%02d%c%02d:%02d:%02d", rng.IntN(10000), rng.IntN(14), rng.IntN(33),
			" T"[rng.IntN(2)], rng.IntN(26), rng.IntN(62), rng.IntN(62))
		if rng.IntN(2) == 0 {
			s += "." + fmt.Sprint(rng.Uint64())[:1+rng.IntN(9)]
		}
		switch rng.IntN(4) {
		case 0:
			s += "Z"
		case 1:
			s += fmt.Sprintf("%c%02d:%02d", "+-"[rng.IntN(2)], rng.IntN(26), rng.IntN(61))
		}
		fast, ok := parseCommonISOTime(s)
		if !ok {
			t.Fatalf("%q: not taken by the fast path", s)
		}
		slow, err := matchISOTime(s)
		if err != nil {
			t.Fatalf("%q: regex: %v", s, err)
		}
		if fast != slow || (fast.validate() == nil) != (slow.validate() == nil) {
			t.Fatalf("%q: fast path %+v, regex %+v", s, fast, slow)
		}
	}
}

func TestTimedeltaSeconds(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want any
	}{
		{"2016-03-02T15:04:32", "2016-03-02T16:04:32", 3600.0},
		{"2016-03-02T15:15:32", "2016-03-02T15:10:32", 300.0},
		{"2016-03-02T15:10:32.786893", "2016-03-02T15:10:32.786899", 0.000006},
		{"2016-03-02T15:04:32+01:00", "2016-03-02T15:04:32Z", 3600.0},
		{"2016-03-02T15:04:32", "2016-03-02T15:004:32", nil},
		{"0001-01-01T00:00:00", "9999-12-31T23:59:59.999999", 315537897599.999999},
	} {
		got := timedeltaPlugin{}.values([]match{{Value: tc.a}, {Value: tc.b}})
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("timedelta(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if got := (timedeltaPlugin{}).values([]match{{Value: "2016-03-02T15:04:32"}}); len(got) != 1 || got[0] != nil {
		t.Errorf("one field: %v, want [None]", got)
	}
}
