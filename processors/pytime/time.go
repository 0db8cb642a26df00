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
	if t.naive {
		return b
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

// appendInt appends v, zero-padded to width digits.
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
