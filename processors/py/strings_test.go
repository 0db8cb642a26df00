package py

import (
	"reflect"
	"testing"
	"unicode"
)

func TestIsSpaceIsPythons(t *testing.T) {
	want := map[rune]bool{}
	for _, r := range vectors(t).IsSpace {
		want[r] = true
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if IsSpace(r) != want[r] {
			t.Errorf("IsSpace(%U) = %v, Python %v", r, IsSpace(r), want[r])
		}
	}
}

func TestSplitWhitespaceIsPythons(t *testing.T) {
	for _, v := range vectors(t).Split {
		s, n := v[0].(string), int(v[1].(float64))
		want := []string{}
		for _, p := range v[2].([]any) {
			want = append(want, p.(string))
		}
		got := SplitWhitespace(s, n)
		if got == nil {
			got = []string{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q.split(None, %d) = %q, Python %q", s, n, got, want)
		}
	}
}
