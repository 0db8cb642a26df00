package meter

import (
	"strings"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
)

// corpusNotification decodes the first clean corpus case of an event type.
func corpusNotification(tb testing.TB, eventType string) *processors.Notification {
	tb.Helper()
	cases, err := golden.ReadCases(corpusPath)
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range cases {
		if strings.Contains(c.Name, "/"+eventType+"/clean/") {
			n, err := processors.Decode([]byte(c.Body))
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatalf("no clean case for %s", eventType)
	return nil
}

func BenchmarkSamples(b *testing.B) {
	e, err := LoadDefault()
	if err != nil {
		b.Fatal(err)
	}
	for _, et := range []string{"compute.instance.create.end", "compute.metrics.update", "volume.create.end", "identity.user.created"} {
		b.Run(et, func(b *testing.B) {
			n := corpusNotification(b, et)
			b.ReportAllocs()
			var dst []processors.Sample
			for b.Loop() {
				var errs []error
				dst, errs = e.AppendSamples(dst[:0], n)
				if errs != nil {
					b.Fatal(errs)
				}
			}
		})
	}
}
