package jsonv

import (
	"errors"
	"strings"
	"testing"
)

// A payload nested far deeper than MaxDepth fails where it exceeds it: the
// error's offset shows the parser stopped at level MaxDepth+1 instead of
// reading (or recursing through) the megabytes that follow.
func TestDeepNestingStopsAtMaxDepth(t *testing.T) {
	keepAll := func(string) bool { return true }
	for _, level := range []string{"[", `{"a":`, `[{"k":`} {
		doc := []byte(strings.Repeat(level, 1<<20/len(level)))
		limit := openingOfLevel(doc, MaxDepth+1)
		for name, parse := range map[string]func([]byte) (any, error){
			"Parse":     Parse,
			"ParseKeep": func(b []byte) (any, error) { return ParseKeep(b, keepAll) },
		} {
			_, err := parse(doc)
			var se *SyntaxError
			if !errors.As(err, &se) || se.Msg != "maximum nesting depth exceeded" {
				t.Fatalf("%s(%q...): %v, want the nesting limit", name, level, err)
			}
			if se.Offset > limit+1 {
				t.Errorf("%s(%q...): stopped at offset %d of %d, level %d opens at %d",
					name, level, se.Offset, len(doc), MaxDepth+1, limit)
			}
		}
	}
}

// openingOfLevel is the offset of the bracket that opens nesting level n
// in doc (no strings contain brackets there).
func openingOfLevel(doc []byte, n int) int {
	depth := 0
	for i, c := range doc {
		if c == '[' || c == '{' {
			if depth++; depth == n {
				return i
			}
		}
	}
	return -1
}
