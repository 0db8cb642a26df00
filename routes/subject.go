package routes

import "strings"

// Token returns s as one NATS subject token: dots, wildcards, white space
// and control characters become "_", and an empty s becomes "_".
func Token(s string) string {
	return sanitize(s, true)
}

// Tokens returns s as a dot-separated run of NATS subject tokens (an
// OpenStack event type such as "compute.instance.create.end" keeps its
// dots, so subject filters like "compute.instance.>" work): wildcards, white
// space and control characters become "_", and empty tokens become "_".
func Tokens(s string) string {
	return sanitize(s, false)
}

func sanitize(s string, dots bool) string {
	if s == "" {
		return "_"
	}
	clean := true
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if bad(c) || (c == '.' && (dots || prevDot)) {
			clean = false
			break
		}
		prevDot = c == '.'
	}
	if clean && !prevDot {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 1)
	prevDot = true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' && !dots:
			if prevDot {
				b.WriteByte('_')
			}
			b.WriteByte('.')
			prevDot = true
			continue
		case bad(c) || c == '.':
			c = '_'
		}
		b.WriteByte(c)
		prevDot = false
	}
	if prevDot {
		b.WriteByte('_')
	}
	return b.String()
}

func bad(c byte) bool {
	return c <= ' ' || c == '*' || c == '>' || c == 0x7f
}
