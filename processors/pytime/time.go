package pytime

import (
	"time"

	"meterflow/processors/py"
)

// Time is a datetime.datetime: a valid wall-clock date and time to the
// microsecond and, unless it is naive, its UTC offset. The zero Time is not
// valid; ParseISO and Normalize make Times.
type Time struct {
	year, month, day, hour, minute, second, micro int
	offset                                        int  // minutes east of UTC
	naive                                         bool // no tzinfo
}

// Naive reports whether t has no UTC offset (Python's tzinfo is None).
func (t Time) Naive() bool { return t.naive }

// UnixMicro is the instant in microseconds since the Unix epoch, a naive
// Time being taken as UTC.
func (t Time) UnixMicro() int64 {
	days := time.Date(t.year, time.Month(t.month), t.day, 0, 0, 0, 0, time.UTC).Unix() / 86400
	secs := days*86400 + int64(t.hour*3600+t.minute*60+t.second) - int64(t.offset*60)
	return secs*1e6 + int64(t.micro)
}

// Normalize is timeutils.normalize_time: the naive UTC time of the same
// instant. It is an OverflowError when that falls outside years 1 to 9999.
func (t Time) Normalize() (Time, error) {
	if t.offset == 0 {
		t.naive = true
		return t, nil
	}
	u := time.Date(t.year, time.Month(t.month), t.day, t.hour, t.minute-t.offset, t.second, t.micro*1000, time.UTC)
	if y := u.Year(); y < 1 || y > 9999 {
		return Time{}, &py.Error{Type: "OverflowError", Msg: "date value out of range"}
	}
	return Time{
		year: u.Year(), month: int(u.Month()), day: u.Day(),
		hour: u.Hour(), minute: u.Minute(), second: u.Second(), micro: u.Nanosecond() / 1000,
		naive: true,
	}, nil
}

// ISOFormat is datetime.isoformat(): 2026-11-02T10:01:07, then
// .ffffff when the microseconds are not zero, then the UTC offset as
// +HH:MM unless t is naive.
func (t Time) ISOFormat() string {
	return string(t.AppendISOFormat(make([]byte, 0, 32)))
}

// ISOFormatOf is t.ISOFormat() for a t parsed from text: it returns text
// itself, without allocating, when text is already what ISOFormat writes
// (as timestamps sent in that form are).
func (t Time) ISOFormatOf(text any) string {
	var buf [48]byte
	b := t.AppendISOFormat(buf[:0])
	if s, ok := text.(string); ok && s == string(b) {
		return s
	}
	return string(b)
}

// AppendISOFormat appends t.ISOFormat() to b.
func (t Time) AppendISOFormat(b []byte) []byte {
	var buf [32]byte // 2026-11-02T10:01:07.009973+01:00
	put2(buf[0:], t.year/100)
	put2(buf[2:], t.year%100)
	buf[4] = '-'
	put2(buf[5:], t.month)
	buf[7] = '-'
	put2(buf[8:], t.day)
	buf[10] = 'T'
	put2(buf[11:], t.hour)
	buf[13] = ':'
	put2(buf[14:], t.minute)
	buf[16] = ':'
	put2(buf[17:], t.second)
	n := 19
	if t.micro != 0 {
		buf[19] = '.'
		put2(buf[20:], t.micro/10000)
		put2(buf[22:], t.micro/100%100)
		put2(buf[24:], t.micro%100)
		n = 26
	}
	if !t.naive {
		off := t.offset
		buf[n] = '+'
		if off < 0 {
			buf[n], off = '-', -off
		}
		put2(buf[n+1:], off/60)
		buf[n+3] = ':'
		put2(buf[n+4:], off%60)
		n += 6
	}
	return append(b, buf[:n]...)
}

// digitPairs are the two-digit decimal numbers 00 to 99, one after another.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// put2 writes v, from 0 to 99, as two digits at the start of dst. A valid
// Time's fields always fit.
func put2(dst []byte, v int) {
	dst[0], dst[1] = digitPairs[2*v], digitPairs[2*v+1]
}
