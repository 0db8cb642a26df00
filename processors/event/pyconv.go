package event

import "meterflow/processors/jsonv"

// This file holds Ceilometer's text conversion of trait values; int() and
// float() are package py's, the datetime conversion package pytime's.

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
