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
	putDigits(buf[0:4], t.year)
	buf[4] = '-'
	putDigits(buf[5:7], t.month)
	buf[7] = '-'
	putDigits(buf[8:10], t.day)
	buf[10] = 'T'
	putDigits(buf[11:13], t.hour)
	buf[13] = ':'
	putDigits(buf[14:16], t.minute)
	buf[16] = ':'
	putDigits(buf[17:19], t.second)
	n := 19
	if t.micro != 0 {
		buf[19] = '.'
		putDigits(buf[20:26], t.micro)
		n = 26
	}
	if !t.naive {
		off := t.offset
		buf[n] = '+'
		if off < 0 {
			buf[n], off = '-', -off
		}
		putDigits(buf[n+1:n+3], off/60)
		buf[n+3] = ':'
		putDigits(buf[n+4:n+6], off%60)
		n += 6
	}
	return append(b, buf[:n]...)
}

// putDigits writes v into dst as len(dst) decimal digits, zero-padded. A
// valid Time's fields always fit their widths.
func putDigits(dst []byte, v int) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}
