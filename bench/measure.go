package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/routes"
)

// latencies reads the first total messages of stream with an ordered
// consumer and returns, for each, the time from the bridge's
// Meterflow-Received stamp to JetStream's stored timestamp.
func latencies(ctx context.Context, js jetstream.JetStream, stream string, total uint64) ([]time.Duration, error) {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	out := make([]time.Duration, 0, total)
	var read uint64
	for read < total {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		for m := range batch.Messages() {
			read++
			meta, err := m.Metadata()
			if err != nil {
				return nil, err
			}
			recv, err := strconv.ParseInt(m.Headers().Get(routes.HeaderReceived), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("sample message %d: header %s: %w", meta.Sequence.Stream, routes.HeaderReceived, err)
			}
			out = append(out, meta.Timestamp.Sub(time.Unix(0, recv)))
		}
		if err := batch.Error(); err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	slices.Sort(out)
	return out, nil
}

// percentile returns the q-quantile (nearest rank) of sorted ds.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// cpuTime is this process' user+system CPU time so far.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// peakRSS is this process' peak resident set size (VmHWM) in bytes.
func peakRSS() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/self/status VmHWM: %w", err)
			}
			return kb * 1024, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/self/status has no VmHWM")
}
