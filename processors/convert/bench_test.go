package convert

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"meterflow/internal/golden"
	"meterflow/processors"
)

// createEnd returns the wire body of a compute.instance.create.end case.
func createEnd(b *testing.B) []byte {
	cases, err := golden.ReadCases("../../testdata/ceilometer-19-shipped.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		if strings.Contains(c.Name, "/compute.instance.create.end/clean/") {
			return []byte(c.Body)
		}
	}
	b.Fatal("no compute.instance.create.end case")
	return nil
}

// BenchmarkCreateEnd measures one compute.instance.create.end (5 samples,
// 1 event) through each step: decode (envelope and payload), samples (all
// sample endpoints, from a decoded notification: what Ceilometer's 2,200/s
// per worker measures), events, and wire-to-all: all of it from the wire
// body, which is what the process route and replay do per notification
// (processors.Decode, then Converter.Convert). Each reports notif/s, the
// rate of one goroutine: per core when run with -cpu=1 on an idle machine.
// Compare runs with benchstat (-count=10 -cpu=1); the target for
// wire-to-all is 250,000 notif/s per core.
func BenchmarkCreateEnd(b *testing.B) {
	body := createEnd(b)
	conv, err := Load(Config{NoEtc: true})
	if err != nil {
		b.Fatal(err)
	}
	n, err := processors.Decode(body)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := processors.Decode(body); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("samples", func(b *testing.B) {
		b.ReportAllocs()
		var dst []processors.Sample
		for b.Loop() {
			dst, _ = conv.Meters.AppendSamples(dst[:0], n)
			if len(dst) != 5 {
				b.Fatalf("%d samples", len(dst))
			}
		}
		reportRate(b)
	})
	b.Run("events", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := conv.Events.Event(n); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("wire-to-all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := conv.ConvertBody(body)
			if err != nil || len(r.Samples) != 5 || len(r.Events) != 1 {
				b.Fatalf("%v %d %d", err, len(r.Samples), len(r.Events))
			}
		}
		reportRate(b)
	})
}

// reportRate reports the notifications per second of a benchmark whose
// every iteration handles one notification.
func reportRate(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "notif/s")
	}
}

// BenchmarkSamplesVsCeilometer measures, in one run, Ceilometer 19's own
// sample conversion of compute.instance.create.end (its sample endpoints
// on a decoded notification, timed by testdata/ceilometer_convert.py with
// Debian's /usr/bin/python3 and python3-ceilometer) and meterflow's, and
// reports both rates and their ratio (target: ≥ 100).
func BenchmarkSamplesVsCeilometer(b *testing.B) {
	out, err := exec.Command("/usr/bin/python3", "testdata/ceilometer_convert.py",
		"../../testdata/ceilometer-19-shipped.jsonl", "compute.instance.create.end", "3000").Output()
	if err != nil {
		b.Fatalf("Ceilometer's side (needs python3-ceilometer): %v", err)
	}
	var ceilo struct {
		PerSecond float64 `json:"per_second"`
		Samples   int     `json:"samples"`
	}
	if err := json.Unmarshal(out, &ceilo); err != nil || ceilo.Samples != 5 {
		b.Fatalf("Ceilometer's side: %s (%v)", out, err)
	}
	conv, err := Load(Config{NoEtc: true})
	if err != nil {
		b.Fatal(err)
	}
	n, err := processors.Decode(createEnd(b))
	if err != nil {
		b.Fatal(err)
	}
	var dst []processors.Sample
	start := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = conv.Meters.AppendSamples(dst[:0], n)
	}
	ours := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(ceilo.PerSecond, "ceilometer_notif/s")
	b.ReportMetric(ours, "meterflow_notif/s")
	b.ReportMetric(ours/ceilo.PerSecond, "speedup")
}
