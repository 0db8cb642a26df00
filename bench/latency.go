package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/routes"
	"meterflow/service"
)

// Latency is the fixed-rate phase: notifications published at an offered
// rate into a warm meterflow, each stamped when published.
type Latency struct {
	// Phase: Elapsed runs from the first publish to the last sample
	// stored, so Notifications/Elapsed is the achieved rate; CPU and
	// PeakRSS are meterflow's during the phase alone.
	Phase
	// Offered is the rate asked for and Published the rate the publisher
	// achieved, notifications/s.
	Offered, Published float64
	// P50, P99 and Max are publish-to-sample-stored latencies: from the
	// publish stamp of a notification to JetStream's stored timestamp of
	// each of its sample messages, over Phase.Samples samples.
	P50, P99, Max time.Duration
	// BridgedP50 and BridgedP99 are the part from the publish stamp to
	// the bridge's receive stamp (Meterflow-Received).
	BridgedP50, BridgedP99 time.Duration
}

// latencyTag prefixes the message_id of the latency phase's notifications;
// the index that follows finds the publish stamp of a sample's notification.
func (b *run) latencyTag() string { return "l" + b.id + "-" }

// latency publishes ns at the configured rate into the running child and
// reads the latency of every sample they make.
func (b *run) latency(ctx context.Context, c *child, ns []notification) (Latency, error) {
	l := Latency{Phase: Phase{Name: fmt.Sprintf("latency at %d/s (run)", b.cfg.Rate)}, Offered: float64(b.cfg.Rate)}
	wantSamples, wantEvents, err := expected(ns)
	if err != nil {
		return l, err
	}
	if wantSamples == 0 {
		return l, fmt.Errorf("the %d notifications make no sample", len(ns))
	}
	_, n0, err := streamState(ctx, c.js, service.StreamNotifications)
	if err != nil {
		return l, err
	}
	_, s0, err := streamState(ctx, c.js, service.StreamSamples)
	if err != nil {
		return l, err
	}
	if err := resetPeak(c.pid()); err != nil {
		return l, fmt.Errorf("reset the peak RSS of meterflow: %w", err)
	}
	before, err := c.stats()
	if err != nil {
		return l, err
	}
	b.progress("publishing %d notifications at %d/s into the running meterflow", len(ns), b.cfg.Rate)
	stamps, err := b.publishAt(ctx, b.topic, ns, b.cfg.Rate)
	if err != nil {
		return l, err
	}
	if len(stamps) > 1 {
		l.Published = float64(len(stamps)-1) / stamps[len(stamps)-1].Sub(stamps[0]).Seconds()
	}
	n := uint64(len(ns))
	if err := converted(ctx, c, n0+n); err != nil {
		return l, err
	}
	after, err := c.stats()
	if err != nil {
		return l, err
	}
	l.CPU, l.PeakRSS = after.CPU-before.CPU, after.PeakRSS
	samples, _, err := streamState(ctx, c.js, service.StreamSamples)
	if err != nil {
		return l, err
	}
	if samples != s0+wantSamples {
		return l, fmt.Errorf("SAMPLES holds %d samples, want %d", samples, s0+wantSamples)
	}

	total := make([]time.Duration, 0, wantSamples)
	bridged := make([]time.Duration, 0, wantSamples)
	var last time.Time
	err = readStream(ctx, c.js, service.StreamSamples, s0+1, wantSamples, func(m jetstream.Msg, meta *jetstream.MsgMetadata) error {
		h := m.Headers()
		i, err := b.latencyIndex(h.Get(routes.HeaderNotificationID), len(stamps))
		if err != nil {
			return fmt.Errorf("sample %d: %w", meta.Sequence.Stream, err)
		}
		total = append(total, meta.Timestamp.Sub(stamps[i]))
		if recv, err := strconv.ParseInt(h.Get(routes.HeaderReceived), 10, 64); err == nil {
			bridged = append(bridged, time.Unix(0, recv).Sub(stamps[i]))
		}
		if meta.Timestamp.After(last) {
			last = meta.Timestamp
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	slices.Sort(total)
	slices.Sort(bridged)
	l.Notifications, l.Samples, l.Events = n, wantSamples, wantEvents
	l.Elapsed = last.Sub(stamps[0])
	l.P50, l.P99, l.Max = percentile(total, 0.50), percentile(total, 0.99), total[len(total)-1]
	l.BridgedP50, l.BridgedP99 = percentile(bridged, 0.50), percentile(bridged, 0.99)
	return l, nil
}

// latencyIndex reads the index out of a latency-phase message_id
// (latencyTag, 8 digits, "-", the corpus id).
func (b *run) latencyIndex(id string, n int) (int, error) {
	rest, ok := strings.CutPrefix(id, b.latencyTag())
	if !ok || len(rest) < 8 {
		return 0, fmt.Errorf("notification id %q is not the latency phase's", id)
	}
	i, err := strconv.Atoi(rest[:8])
	if err != nil || i < 0 || i >= n {
		return 0, fmt.Errorf("notification id %q: no index", id)
	}
	return i, nil
}
