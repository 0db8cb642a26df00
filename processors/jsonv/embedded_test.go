package jsonv

import (
	"bytes"
	"encoding/json"
	"testing"
)

// keepEnvelope keeps the members of an oslo.messaging envelope.
func keepEnvelope(key string) bool { return key == "v" || key == "msg" }

// checkParseEmbeddedAgreesWithTwoSteps fails unless ParseEmbedded, when it
// succeeds, gives what ParseKeep and then ParseKeep of the member's text
// give, for string and []byte data, keeping the text whole or not. It
// returns whether ParseEmbedded succeeded.
func checkParseEmbeddedAgreesWithTwoSteps(t *testing.T, data string) bool {
	t.Helper()
	_, succeeded := ParseEmbedded(data, keepEnvelope, "msg", nil)
	for _, keepText := range []func(string) bool{nil, keepOdd} {
		for _, shared := range []bool{true, false} {
			var got any
			var ok bool
			if shared {
				got, ok = ParseEmbedded(data, keepEnvelope, "msg", keepText)
			} else {
				got, ok = ParseEmbedded([]byte(data), keepEnvelope, "msg", keepText)
			}
			if ok != succeeded {
				t.Fatalf("ParseEmbedded(%q): ok %v with keepText %v, shared %v; %v without", data, ok, keepText != nil, shared, succeeded)
			}
			if ok {
				checkTwoSteps(t, data, got, keepText)
			}
		}
	}
	return succeeded
}

// checkTwoSteps fails unless got is what ParseKeep(data, keepEnvelope) and
// then ParseKeep of its member msg with keepText give.
func checkTwoSteps(t *testing.T, data string, got any, keepText func(string) bool) {
	t.Helper()
	want, err := ParseKeep(data, keepEnvelope)
	if err != nil {
		t.Fatalf("ParseEmbedded(%q) succeeded, ParseKeep: %v", data, err)
	}
	if outer, isObj := want.(*Object); isObj {
		if text, has := outer.Get("msg"); has {
			s, isStr := text.(string)
			if !isStr {
				t.Fatalf("ParseEmbedded(%q) succeeded on a msg that is not a string", data)
			}
			inner, err := ParseKeep(s, keepText)
			if err != nil {
				t.Fatalf("ParseEmbedded(%q) succeeded, Parse of the text %q: %v", data, s, err)
			}
			outer.Set("msg", inner)
		}
	}
	if !identical(got, want) {
		t.Fatalf("ParseEmbedded(%q) = %s, want %s", data, PyRepr(got), PyRepr(want))
	}
}

// envelope returns {"v": "2.0", "msg": text} as a JSON encoder writes it.
func envelope(t *testing.T, text string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]string{"v": "2.0", "msg": text}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestParseEmbeddedParsesWhatEncodersWrite(t *testing.T) {
	for _, text := range []string{
		`{"a": 1, "b": [true, null, -2.5e3, "x"], "c": {"d": {}}, "e": []}`,
		`{"quote": "say \"hi\"", "backslash": "a\\b", "ctl": "\n\t\r\b\f", "slash": "\/"}`,
		`{"\u00e9t\u00e9": "caf\u00e9", "smile": "\ud83d\ude00", "lone": "\ud800x", "low": "\udc00"}`,
		`{"a": 1, "a": 2, "big": 123456789012345678901234567890, "n": NaN}`,
		` [1, 2] `, `"just a string"`, `0`,
	} {
		if !checkParseEmbeddedAgreesWithTwoSteps(t, envelope(t, text)) {
			t.Errorf("ParseEmbedded gave up on %s", envelope(t, text))
		}
	}
}

func TestParseEmbeddedGivesUp(t *testing.T) {
	for _, data := range []string{
		`{"v": "2.0", "msg": {"a": 1}}`,                  // not a string
		`{"v": "2.0", "msg": "{\"a\": \u0031}"}`,         // another escape of the holding string
		`{"v": "2.0", "msg": "{\"a\":\n1}"}`,             // whitespace escaped
		"{\"v\": \"2.0\", \"msg\": \"{\\\"a\\\":\t1}\"}", // a raw tab in the holding string
		`{"v": "2.0", "msg": "{\"a\": 1"}`,               // text not valid
		`{"v": "2.0", "msg": "{\"a\": 1} x"}`,            // extra data in the text
		`{"v": "2.0", "msg": "{\"a\": \"b\\x\"}"}`,       // invalid escape in the text
		`{"v": "2.0", "msg": "{\"a\": 1}"`,               // body not valid
		"\uFEFF{\"v\": \"2.0\", \"msg\": \"1\"}",         // byte order mark
	} {
		if checkParseEmbeddedAgreesWithTwoSteps(t, data) {
			t.Errorf("ParseEmbedded(%q) succeeded", data)
		}
	}
}

func TestParseEmbeddedOnTheCorpus(t *testing.T) {
	for _, m := range corpus(t) {
		if !checkParseEmbeddedAgreesWithTwoSteps(t, envelope(t, string(m))) {
			t.Errorf("ParseEmbedded gave up on %s", m)
		}
	}
}

func FuzzParseEmbeddedAgreesWithTwoSteps(f *testing.F) {
	f.Add(`{"v": "2.0", "msg": "{\"a\": [1, \"x\\\"y\", {\"\\u00e9\": null}]}", "x": 1}`)
	f.Add(`{"msg": "\"\\ud83d\\ude00\\n\"", "msg": "[1e5, -0, NaN]"}`)
	f.Fuzz(func(t *testing.T, data string) {
		checkParseEmbeddedAgreesWithTwoSteps(t, data)
	})
}
