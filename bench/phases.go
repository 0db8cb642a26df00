package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/replay"
	"meterflow/service"
)

// raw drains the twin with a bare amqp091 consumer in this process.
func (b *run) raw(ctx context.Context, p *Phase) error {
	conn, ch, err := b.bareChannel()
	if err != nil {
		return err
	}
	defer conn.Close()
	start := time.Now()
	deliveries, err := ch.Consume(b.twin(), "", false, false, false, false, nil)
	if err != nil {
		return err
	}
	if err := drainBare(ctx, deliveries, b.cfg.N, func() {}); err != nil {
		return err
	}
	p.Elapsed = time.Since(start)
	p.Notifications = uint64(b.cfg.N)
	return nil
}

// bareChannel opens the channel of a bare amqp091 consumer: prefetch 2000.
func (b *run) bareChannel() (*amqp.Connection, *amqp.Channel, error) {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return nil, nil, fmt.Errorf("RabbitMQ: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Qos(2000, 0, false)
	}
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, ch, nil
}

// drainBare takes n deliveries as the bare consumer does, calling received
// as each arrives, with a multiple ack every 100 deliveries and at the
// last.
func drainBare(ctx context.Context, deliveries <-chan amqp.Delivery, n int, received func()) error {
	for i := 1; i <= n; i++ {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return fmt.Errorf("consumer closed after %d deliveries", i-1)
			}
			received()
			if i%100 == 0 || i == n {
				if err := d.Ack(true); err != nil {
					return err
				}
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// bridge drains the queues into NOTIFICATIONS with `meterflow run
// --bridge-only`, from its start until NOTIFICATIONS holds N.
func (b *run) bridge(ctx context.Context) (Phase, error) {
	p := Phase{Name: "bridge (--bridge-only)"}
	n := uint64(b.cfg.N)
	c, err := b.startChild(ctx, "bridge", false)
	if err != nil {
		return p, err
	}
	defer c.stop()
	err = c.waitFor(ctx, "NOTIFICATIONS", func(ctx context.Context) (bool, error) {
		got, err := streamMsgs(ctx, c.js, service.StreamNotifications)
		return got >= n, err
	})
	if err != nil {
		return p, err
	}
	p.Elapsed = time.Since(c.start)
	st, err := c.stats()
	if err != nil {
		return p, err
	}
	p.CPU, p.PeakRSS = st.CPU, st.PeakRSS
	got, err := settle(ctx, c.js, service.StreamNotifications)
	if err != nil {
		return p, err
	}
	if got != n {
		return p, fmt.Errorf("NOTIFICATIONS holds %d notifications, want %d", got, n)
	}
	p.Notifications = got
	return p, c.stop()
}

// wholeAndLatency starts `meterflow run` on the preloaded queues, measures
// the whole path until every notification is converted and stored, then,
// on the same warm process, the latency phase.
func (b *run) wholeAndLatency(ctx context.Context, corpus []notification) (Phase, Latency, error) {
	c, err := b.startChild(ctx, "whole", true)
	if err != nil {
		return Phase{}, Latency{}, fmt.Errorf("whole path: %w", err)
	}
	defer c.stop()
	whole, err := b.whole(ctx, c)
	if err != nil {
		return whole, Latency{}, fmt.Errorf("whole path: %w", err)
	}
	lat, err := b.latency(ctx, c, uniqueBodies(corpus, b.cfg.LatencyN, b.latencyTag()))
	if err != nil {
		return whole, lat, fmt.Errorf("latency: %w", err)
	}
	return whole, lat, c.stop()
}

// converted waits until NOTIFICATIONS holds at least n notifications and
// the process consumer acked every one: each is converted and its samples
// and events are stored.
func converted(ctx context.Context, c *child, n uint64) error {
	return c.waitFor(ctx, "the conversion", func(ctx context.Context) (bool, error) {
		msgs, last, err := streamState(ctx, c.js, service.StreamNotifications)
		if err != nil || msgs < n {
			return false, err
		}
		floor, err := ackFloor(ctx, c.js, service.StreamNotifications, service.ProcessDurable)
		return floor >= last, err
	})
}

// whole measures the child from its start until every preloaded
// notification is converted, then checks the samples and events stored.
func (b *run) whole(ctx context.Context, c *child) (Phase, error) {
	p := Phase{Name: "whole path (run)"}
	n := uint64(b.cfg.N)
	if err := converted(ctx, c, n); err != nil {
		return p, err
	}
	p.Elapsed = time.Since(c.start)
	st, err := c.stats()
	if err != nil {
		return p, err
	}
	p.CPU, p.PeakRSS = st.CPU, st.PeakRSS
	samples, err := settle(ctx, c.js, service.StreamSamples)
	if err != nil {
		return p, err
	}
	notifications, err := streamMsgs(ctx, c.js, service.StreamNotifications)
	if err != nil {
		return p, err
	}
	events, err := streamMsgs(ctx, c.js, service.StreamEvents)
	if err != nil {
		return p, err
	}
	if notifications != n || samples != b.want.Samples || events != b.want.Events {
		return p, fmt.Errorf("stored %d notifications, %d samples, %d events; want %d, %d, %d",
			notifications, samples, events, n, b.want.Samples, b.want.Events)
	}
	p.Notifications, p.Samples, p.Events = n, samples, events
	if p.Outputs, err = outputSpan(ctx, c.js, service.StreamSamples, service.StreamEvents); err != nil {
		return p, err
	}
	return p, nil
}

// replay replays the bridge phase's NOTIFICATIONS (N notifications) to a
// JSON-lines file in this process, with the processing phases' definitions.
func (b *run) replay(ctx context.Context, p *Phase) error {
	defs, err := service.LoadDefinitions(b.serviceConfig())
	if err != nil {
		return err
	}
	nc, stop, err := b.embedded("bridge")
	if err != nil {
		return err
	}
	defer stop()
	f, err := os.Create(filepath.Join(b.dir, "replay.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	if os.Getenv("GOGC") == "" {
		// as meterflow replay does
		defer debug.SetGCPercent(debug.SetGCPercent(replay.GCPercent))
	}
	start := time.Now()
	sum, err := replay.Run(ctx, nc, replay.Config{Definitions: defs, Output: w, Logger: b.cfg.Logger})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	p.Elapsed = time.Since(start)
	if sum.Notifications != uint64(b.cfg.N) {
		return fmt.Errorf("replayed %d notifications, want %d", sum.Notifications, b.cfg.N)
	}
	p.Notifications = sum.Notifications
	for _, c := range sum.Samples {
		p.Samples += c
	}
	return f.Close()
}
