package bench

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Floor is the latency a bare amqp091 consumer sees at the latency phase's
// rate and load: RabbitMQ's own share of publish-to-sample latency, as the
// raw consumer is its share of throughput.
type Floor struct {
	// Notifications published at Offered per second.
	Notifications int
	Offered       float64
	// P50, P99 and Max run from the publish stamp to the consumer's
	// receipt.
	P50, P99, Max time.Duration
}

// floor publishes ns at rate to a queue of its own, bound to a topic of its
// own, and drains it with a bare consumer (as the raw phase does) in this
// process, stamping each delivery when it arrives. One publisher into one
// queue: the i-th delivery is the i-th publish.
func (b *run) floor(ctx context.Context, ns []notification, rate int) (Floor, error) {
	f := Floor{Notifications: len(ns), Offered: float64(rate)}
	topic, queue := b.topic+"_floor", b.prefix+".floor"
	if err := b.declareQueues(topic, map[string][]string{queue: b.priorities}); err != nil {
		return f, err
	}
	defer b.deleteQueues(queue)
	conn, ch, err := b.bareChannel()
	if err != nil {
		return f, err
	}
	defer conn.Close()
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return f, err
	}
	received := make([]time.Time, 0, len(ns))
	var count atomic.Int64 // len(received), for the timeout's message
	done := make(chan error, 1)
	go func() {
		done <- drainBare(ctx, deliveries, len(ns), func() {
			received = append(received, time.Now())
			count.Add(1)
		})
	}()
	stamps, err := b.publishAt(ctx, topic, ns, rate)
	if err != nil {
		return f, err
	}
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		return f, fmt.Errorf("received %d of %d notifications within a minute", count.Load(), len(ns))
	}
	if err != nil {
		return f, err
	}
	lat := make([]time.Duration, len(ns))
	for i := range ns {
		lat[i] = received[i].Sub(stamps[i])
	}
	slices.Sort(lat)
	f.P50, f.P99, f.Max = percentile(lat, 0.50), percentile(lat, 0.99), lat[len(lat)-1]
	return f, nil
}
