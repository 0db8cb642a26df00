package replay

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	"meterflow/internal/testenv"
)

// BenchmarkReplayToFile replays 50,000 stored corpus notifications to a
// JSON-lines file and reports notifications/s.
func BenchmarkReplayToFile(b *testing.B) {
	const n = 50_000
	e := newEnv(b)
	e.store(testenv.UniqueBodies(b, n))
	defs := shippedDefs(b)
	path := filepath.Join(b.TempDir(), "out.jsonl")
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		sum, err := Run(context.Background(), e.nc, Config{Definitions: defs, Output: w, Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		if sum.Notifications != n {
			b.Fatalf("replayed %d of %d", sum.Notifications, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "notifications/s")
}
