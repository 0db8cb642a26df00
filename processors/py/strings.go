package py

// IsSpace is str.isspace() for one character: the Unicode white space
// (bidirectional classes WS, B and S, or category Zs) of Python 3.11.
func IsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// SplitWhitespace is s.split(None, maxSplit): the runs of characters
// between white space, at most maxSplit+1 of them, the last one keeping
// the rest of s as it is (trailing white space included). A negative
// maxSplit is no limit.
func SplitWhitespace(s string, maxSplit int) []string {
	r := []rune(s)
	var out []string
	i := 0
	for count := maxSplit; maxSplit < 0 || count > 0; count-- {
		for i < len(r) && IsSpace(r[i]) {
			i++
		}
		if i == len(r) {
			return out
		}
		j := i
		for i < len(r) && !IsSpace(r[i]) {
			i++
		}
		out = append(out, string(r[j:i]))
	}
	for i < len(r) && IsSpace(r[i]) {
		i++
	}
	if i < len(r) {
		out = append(out, string(r[i:]))
	}
	return out
}
