package jsonv

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// corpus returns the oslo.message bodies of ../../testdata/ceilometer-19.jsonl:
// the notification JSON documents the converter parses.
func corpus(tb testing.TB) [][]byte {
	f, err := os.Open("../../testdata/ceilometer-19.jsonl")
	if err != nil {
		tb.Skip(err)
	}
	defer f.Close()
	var msgs [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var line struct{ Body string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			tb.Fatal(err)
		}
		var env map[string]any
		if err := json.Unmarshal([]byte(line.Body), &env); err != nil {
			continue
		}
		if m, ok := env["oslo.message"].(string); ok {
			msgs = append(msgs, []byte(m))
		}
	}
	return msgs
}

func TestParseCorpus(t *testing.T) {
	for _, m := range corpus(t) {
		v, err := Parse(m)
		if err != nil {
			t.Fatalf("%v in %s", err, m)
		}
		var std any
		if err := json.Unmarshal(m, &std); err != nil {
			continue
		}
		var back any
		if err := json.Unmarshal(Marshal(v), &back); err != nil {
			t.Fatalf("Marshal output invalid: %v", err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	msgs := corpus(b)
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	b.Run("jsonv", func(b *testing.B) {
		b.SetBytes(int64(size / len(msgs)))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := Parse(msgs[i%len(msgs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(size / len(msgs)))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var m map[string]any
			if err := json.Unmarshal(msgs[i%len(msgs)], &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	msgs := corpus(b)
	vals := make([]any, len(msgs))
	for i, m := range msgs {
		vals[i], _ = Parse(m)
	}
	b.ReportAllocs()
	buf := make([]byte, 0, 8192)
	for i := 0; b.Loop(); i++ {
		buf = Append(buf[:0], vals[i%len(vals)])
	}
}
