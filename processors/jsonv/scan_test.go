package jsonv

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestPlainRunMatchesBytewiseScan checks the word-at-a-time scan against a
// byte-by-byte one over strings dense in the bytes that end a run and in
// the bytes next to them (0x1f/0x20, '!'/'#', '[' / ']', 0x7f/0x80, 0xff).
func TestPlainRunMatchesBytewiseScan(t *testing.T) {
	alphabet := []byte{'a', '"', '\\', 0x00, 0x1f, 0x20, '!', '#', '[', ']', 0x7f, 0x80, 0xff, 0xe2, 0x21}
	naive := func(s string, i int) int {
		for ; i < len(s); i++ {
			if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
				return i
			}
		}
		return i
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte(0x20 + r.IntN(0x60))
				if b[i] == '"' || b[i] == '\\' {
					b[i] = 'x'
				}
			}
		}
		s := string(b)
		for i := 0; i <= len(s); i++ {
			if got, want := plainRun(s, i), naive(s, i); got != want {
				t.Fatalf("plainRun(%q, %d) = %d, want %d", s, i, got, want)
			}
		}
	}
}

// TestObjectIndexFindsEveryKey builds objects past the index threshold,
// with keys of every length up to 40 (short ones are hashed bytewise,
// longer ones by words), and checks Get, Set and Delete through the index.
func TestObjectIndexFindsEveryKey(t *testing.T) {
	o := NewObject(0)
	var keys []string
	for i := range 300 {
		k := string(make([]byte, i%41))
		for j := range len(k) {
			k = k[:j] + string(rune('a'+(i*7+j)%26)) + k[j+1:]
		}
		k += string(rune('A' + i%26))
		if _, dup := o.Get(k); dup {
			continue
		}
		keys = append(keys, k)
		o.Set(k, int64(i))
	}
	for i, k := range keys {
		if v, ok := o.Get(k); !ok || o.find(k) != i {
			t.Fatalf("Get(%q) = %v, %v at %d, want position %d", k, v, ok, o.find(k), i)
		}
	}
	if _, ok := o.Get("absent"); ok {
		t.Fatal("found an absent key")
	}
	for _, k := range keys[:len(keys)/2] {
		if !o.Delete(k) {
			t.Fatalf("Delete(%q) = false", k)
		}
	}
	for i, k := range keys[len(keys)/2:] {
		if o.find(k) != i {
			t.Fatalf("after deletes, %q at %d, want %d", k, o.find(k), i)
		}
	}
}

// TestParseEscapedStrings parses random strings dense in escapes, of
// lengths that put escapes at every offset of a word, as encoding/json
// writes them, and expects them back.
func TestParseEscapedStrings(t *testing.T) {
	pieces := []string{"a", "bc", "\"", "\\", "\n", "\t", "\x01", "é", "€", "😀", "/", "abcdefgh", "\u2028", "<"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		var b []byte
		for n := r.IntN(60); n > 0; n-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		want := string(b)
		enc, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(enc)
		if err != nil || got != want {
			t.Fatalf("Parse(%s) = %q, %v; want %q", enc, got, err, want)
		}
		got, err = ParseKeep(string(enc), nil)
		if err != nil || got != want {
			t.Fatalf("ParseKeep(%s) = %q, %v; want %q", enc, got, err, want)
		}
	}
}
