package event

import "testing"

func TestTextIsCroppedTo255Characters(t *testing.T) {
	long := make([]rune, 300)
	for i := range long {
		long[i] = 'é'
	}
	got := pyText(string(long))
	if n := len([]rune(got)); n != 255 {
		t.Errorf("cropped to %d characters, want 255", n)
	}
	if got := pyText(int64(12)); got != "12" {
		t.Errorf("str(12) = %q", got)
	}
	if got := pyText(1e16); got != "1e+16" {
		t.Errorf("str(1e16) = %q", got)
	}
}
