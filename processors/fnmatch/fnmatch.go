// Package fnmatch implements Python's fnmatch.fnmatch on POSIX, the glob
// matching Ceilometer uses for pipeline sources and event definitions.
package fnmatch

import (
	"fmt"
	"regexp"
	"strings"
)

// Pattern is a shell pattern as Python 3.11's fnmatch.fnmatch reads it (on
// POSIX, where it is fnmatchcase): * matches any text, ? any one character,
// [seq] one character in seq, [!seq] one character not in seq; a [ without
// its ] is literal. Matching is on characters and is case sensitive.
type Pattern struct {
	pattern string
	literal bool   // no wildcard: pattern matches only itself
	prefix  string // pattern is prefix + "*" (literal prefix), when star is set
	star    bool
	re      *regexp.Regexp
}

// Compile compiles a pattern. It fails only on a set Go cannot express.
func Compile(pattern string) (*Pattern, error) {
	g := &Pattern{pattern: pattern}
	if !strings.ContainsAny(pattern, "*?[") {
		g.literal = true
		return g, nil
	}
	if p, ok := strings.CutSuffix(pattern, "*"); ok && !strings.ContainsAny(p, "*?[") {
		g.star, g.prefix = true, p
		return g, nil
	}
	re, err := regexp.Compile(translateGlob(pattern))
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", pattern, err)
	}
	g.re = re
	return g, nil
}

// Match reports whether name matches the whole pattern.
func (g *Pattern) Match(name string) bool {
	switch {
	case g.literal:
		return name == g.pattern
	case g.star:
		return strings.HasPrefix(name, g.prefix)
	}
	return g.re.MatchString(name)
}

// translateGlob is fnmatch.translate written for Go's regexp: the same
// tokens, with every set spelt out as explicit characters and ranges.
func translateGlob(pattern string) string {
	pat := []rune(pattern)
	var b strings.Builder
	b.WriteString(`(?s)^`)
	lastStar := false
	i, n := 0, len(pat)
	for i < n {
		c := pat[i]
		i++
		if c == '*' {
			if !lastStar {
				b.WriteString(`.*`)
			}
			lastStar = true
			continue
		}
		lastStar = false
		switch c {
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i
			if j < n && pat[j] == '!' {
				j++
			}
			if j < n && pat[j] == ']' {
				j++
			}
			for j < n && pat[j] != ']' {
				j++
			}
			if j >= n {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(globSet(pat, i, j))
			i = j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	return b.String()
}

// globSet translates the set pat[i:j] (between "[" and "]") as
// fnmatch.translate does, then reads the Python character class it would
// have produced into a Go class.
func globSet(pat []rune, i, j int) string {
	var stuff []rune
	if !containsRune(pat[i:j], '-') {
		stuff = escapeSetChunk(pat[i:j], false)
	} else {
		var chunks [][]rune
		k := i + 1
		if pat[i] == '!' {
			k = i + 2
		}
		for {
			k = indexRune(pat, '-', k, j)
			if k < 0 {
				break
			}
			chunks = append(chunks, append([]rune(nil), pat[i:k]...))
			i = k + 1
			k += 3
		}
		if chunk := pat[i:j]; len(chunk) > 0 {
			chunks = append(chunks, append([]rune(nil), chunk...))
		} else {
			chunks[len(chunks)-1] = append(chunks[len(chunks)-1], '-')
		}
		// Remove empty ranges, invalid in a regular expression.
		for k := len(chunks) - 1; k > 0; k-- {
			prev, cur := chunks[k-1], chunks[k]
			if prev[len(prev)-1] > cur[0] {
				merged := append(append([]rune(nil), prev[:len(prev)-1]...), cur[1:]...)
				chunks[k-1] = merged
				chunks = append(chunks[:k], chunks[k+1:]...)
			}
		}
		for x, chunk := range chunks {
			if x > 0 {
				stuff = append(stuff, '-')
			}
			stuff = append(stuff, escapeSetChunk(chunk, true)...)
		}
	}
	switch {
	case len(stuff) == 0:
		return `[^\x00-\x{10FFFF}]` // empty set: never matches
	case len(stuff) == 1 && stuff[0] == '!':
		return `.`
	}
	negate := false
	if stuff[0] == '!' {
		negate = true
		stuff = stuff[1:]
	} else if stuff[0] == '^' || stuff[0] == '[' {
		stuff = append([]rune{'\\'}, stuff...)
	}
	return pyClassToGo(stuff, negate)
}

// escapeSetChunk escapes a chunk as fnmatch does: backslashes, hyphens (in
// the ranged form only) and the set operators & ~ |.
func escapeSetChunk(chunk []rune, hyphens bool) []rune {
	out := make([]rune, 0, len(chunk))
	for _, r := range chunk {
		if r == '\\' || r == '&' || r == '~' || r == '|' || hyphens && r == '-' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return out
}

// pyClassToGo reads the body of a Python character class as fnmatch
// produced it (escapes are "\" + a punctuation character, an unescaped "-"
// between two items is a range) and writes it as a Go class.
func pyClassToGo(body []rune, negate bool) string {
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	item := func(k int) (rune, int) {
		if body[k] == '\\' && k+1 < len(body) {
			return body[k+1], k + 2
		}
		return body[k], k + 1
	}
	for k := 0; k < len(body); {
		lo, next := item(k)
		hi := lo
		if next+1 < len(body) && body[next] == '-' {
			hi, next = item(next + 1)
		}
		fmt.Fprintf(&b, `\x{%x}`, lo)
		if hi != lo {
			fmt.Fprintf(&b, `-\x{%x}`, hi)
		}
		k = next
	}
	b.WriteByte(']')
	return b.String()
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// indexRune is Python's str.find(r, from, to) on runes.
func indexRune(rs []rune, r rune, from, to int) int {
	for k := from; k < to && k < len(rs); k++ {
		if rs[k] == r {
			return k
		}
	}
	return -1
}
