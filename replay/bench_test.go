package replay

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"time"

	"meterflow/internal/testenv"
	"meterflow/routes"
)

// BenchmarkReplayToFile replays 50,000 stored notifications (the corpus of
// testdata/ceilometer-19.jsonl cycled, each with its own message_id) from an
// embedded JetStream over TCP to a JSON-lines file, as `meterflow replay
// --output` does (with its garbage collector setting), and reports:
//
//   - notifications/s: the replay's wall-clock rate;
//   - cpu-µs/notification: the whole process's CPU time (the embedded
//     server's included) per notification, which a shared machine's noise
//     moves far less than the rate; GOMAXPROCS divided by it bounds the
//     rate the replay reaches with every core to itself;
//   - convert-only/s and ratio: the same conversion to lines of the same
//     bodies, in memory on GOMAXPROCS goroutines with no JetStream, measured
//     in the same iterations, and the replay's rate as a share of it.
func BenchmarkReplayToFile(b *testing.B) {
	const n = 50_000
	e := newEnv(b)
	cases := testenv.UniqueBodies(b, n)
	e.store(cases)
	defs := shippedDefs(b)
	path := filepath.Join(b.TempDir(), "out.jsonl")
	bodies := make([][]byte, n)
	for i, c := range cases {
		bodies[i] = []byte(c.Body)
	}

	// as the replay command does
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	var replayCPU, convWall time.Duration
	b.ResetTimer()
	for b.Loop() {
		cpu0 := cpuTime()
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 256<<10) // as the command
		sum, err := Run(context.Background(), e.nc, Config{Definitions: defs, Output: w, Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		if sum.Notifications != n || sum.Errors != 0 {
			b.Fatalf("replayed %d of %d, %d errors", sum.Notifications, n, sum.Errors)
		}
		replayCPU += cpuTime() - cpu0

		b.StopTimer()
		start := time.Now()
		convertOnly(defs, bodies)
		convWall += time.Since(start)
		b.StartTimer()
	}
	total := float64(n * b.N)
	rate := total / b.Elapsed().Seconds()
	b.ReportMetric(rate, "notifications/s")
	b.ReportMetric(float64(replayCPU.Microseconds())/total, "cpu-µs/notification")
	conv := total / convWall.Seconds()
	b.ReportMetric(conv, "convert-only/s")
	b.ReportMetric(rate/conv, "ratio")
}

// convertOnly converts bodies to lines as a dry run's workers do, in
// batches of the default size on GOMAXPROCS goroutines, with no JetStream.
func convertOnly(defs *routes.Definitions, bodies [][]byte) {
	cfg := Config{Definitions: defs, Output: discard{}, Logger: quiet()}
	cfg.setDefaults()
	r := &run{cfg: cfg, sum: newSummary()}
	work := make(chan []note)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := r.newWorker()
			for notes := range work {
				b := &batch{notes: notes}
				w.convert(b)
			}
		}()
	}
	for i := 0; i < len(bodies); i += cfg.BatchSize {
		notes := make([]note, 0, cfg.BatchSize)
		for j := i; j < min(i+cfg.BatchSize, len(bodies)); j++ {
			notes = append(notes, note{seq: uint64(j + 1), body: bodies[j]})
		}
		work <- notes
	}
	close(work)
	wg.Wait()
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
