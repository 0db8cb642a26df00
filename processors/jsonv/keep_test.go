package jsonv

import (
	"bytes"
	"testing"
)

// keepOdd keeps keys of odd length, so that about half the members of an
// object are dropped.
func keepOdd(key string) bool { return len(key)%2 == 1 }

// checkParseKeepAgreesWithParse fails unless ParseKeep accepts data exactly
// when Parse does, with the same error, and keeps exactly the kept members.
func checkParseKeepAgreesWithParse(t *testing.T, data []byte) {
	t.Helper()
	want, werr := Parse(data)
	for _, keep := range []func(string) bool{nil, keepOdd} {
		for _, shared := range []bool{false, true} {
			var got any
			var err error
			if shared {
				got, err = ParseKeep(string(data), keep)
			} else {
				got, err = ParseKeep(data, keep)
			}
			if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Fatalf("ParseKeep(%q): error %v, Parse: %v", data, err, werr)
			}
			if err != nil {
				continue
			}
			w := want
			if o, ok := want.(*Object); ok && keep != nil {
				kept := NewObject(0)
				for i := 0; i < o.Len(); i++ {
					if k, v := o.At(i); keep(k) {
						kept.Set(k, v)
					}
				}
				w = kept
			}
			if !identical(got, w) {
				t.Fatalf("ParseKeep(%q) = %s, want %s", data, PyRepr(got), PyRepr(w))
			}
		}
	}
}

func TestParseKeepAgreesWithParse(t *testing.T) {
	for _, s := range []string{
		`{"a":1,"bb":[1,"x\n",{"c":"\u00e9"}],"ccc":"\ud83d\ude00","dddd":{"e\"":NaN},"a":"last"}`,
		`{"a\u0062c":"k\"ept","ab":"dr\"opped","x":-1e400,"yy":123456789012345678901234567890}`,
		`{"a":{"b":[}}`, `{"ab":"\x"}`, `{"ab":"\u12"}`, "{\"ab\":\"\x01\"}", `{"a":1,}`,
		`[1,{"a":2}]`, `"s\tr"`, `{}`, "\xef\xbb\xbf{\"abc\":1}", "\xef\xbb\xbf{\"ab\":x}",
		"{\"abc\":\"\xed\xa0\x80\"}", "{\"abc\":\"\xff\"}", `{"a":1} x`,
	} {
		checkParseKeepAgreesWithParse(t, []byte(s))
	}
	for _, m := range corpus(t) {
		checkParseKeepAgreesWithParse(t, m)
	}
}

func TestParseKeepCopiesWhatItKeepsFromBytes(t *testing.T) {
	data := []byte(`{"abc":"value","a\u0062c2":"x","k":["y"],"z":"dropped"}`)
	v, err := ParseKeep(data, func(k string) bool { return k != "z" })
	if err != nil {
		t.Fatal(err)
	}
	want := string(Marshal(v))
	copy(data, bytes.Repeat([]byte("#"), len(data)))
	if got := string(Marshal(v)); got != want {
		t.Fatalf("result changed with its input: %s, was %s", got, want)
	}
}

func FuzzParseKeepAgreesWithParse(f *testing.F) {
	f.Add([]byte(`{"a":1,"bb":[1,"x\n",{"c":"\u00e9"}],"ccc":"\ud83d\ude00","a":2}`))
	f.Add([]byte(`{"ab\u0063":{"d":[1e5,-0,NaN]},"ab":"\"","abc":null}`))
	f.Fuzz(checkParseKeepAgreesWithParse)
}
