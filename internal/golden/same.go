package golden

import (
	"math"
	"math/big"
	"strings"
	"time"

	"meterflow/processors/jsonv"
)

// Same is compare.py's same(a, b, as_time): with asTime, two strings that
// both read as instants compare as instants; bools equal only bools;
// numbers compare within a relative 1e-9 (NaN equals NaN); objects by key
// set and values, lists element-wise (neither as time); anything else as
// Python's ==.
func Same(a, b any, asTime bool) bool {
	if asTime {
		ia, okA := Instant(a)
		ib, okB := Instant(b)
		if okA && okB {
			return ia.Equal(ib)
		}
	}
	_, aBool := a.(bool)
	_, bBool := b.(bool)
	if aBool || bBool {
		return aBool && bBool && a == b
	}
	if x, ok := number(a); ok {
		y, ok := number(b)
		if !ok {
			return false
		}
		if math.IsNaN(x) && math.IsNaN(y) {
			return true
		}
		return jsonv.Equal(a, b) || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
	}
	switch a := a.(type) {
	case *jsonv.Object:
		bo, ok := b.(*jsonv.Object)
		if !ok || a.Len() != bo.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			k, av := a.At(i)
			bv, ok := bo.Get(k)
			if !ok || !Same(av, bv, false) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !Same(a[i], bl[i], false) {
				return false
			}
		}
		return true
	}
	return jsonv.Equal(a, b)
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	case float64:
		return v, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		return f, true
	}
	return 0, false
}

// instantLayouts are the ISO 8601 forms Instant reads: a date, optionally
// with an hour, minutes and seconds (any fraction, "." or ","), optionally
// with an offset of hours, minutes and seconds.
var instantLayouts = func() []string {
	layouts := []string{"2006-01-02"}
	for _, clock := range []string{"T15", "T15:04", "T15:04:05"} {
		for _, zone := range []string{"", "-07:00", "-0700", "-07", "-07:00:00"} {
			layouts = append(layouts, "2006-01-02"+clock+zone)
		}
	}
	return layouts
}()

// Instant is compare.py's instant(): a string read as Python 3.11's
// datetime.fromisoformat reads the extended ISO 8601 forms, after trimming
// it, replacing its first space with "T" and a final "Z" with "+00:00"; a
// naive time is UTC. Like Python, it keeps microseconds and drops finer
// digits.
func Instant(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	s = strings.Replace(strings.TrimSpace(s), " ", "T", 1)
	if strings.HasSuffix(s, "Z") {
		s = s[:len(s)-1] + "+00:00"
	}
	for _, layout := range instantLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}
