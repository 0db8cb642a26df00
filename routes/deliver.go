package routes

import (
	"context"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
	"meterflow/processors/jsonv"
	"meterflow/sinks"
)

// Delivery feeds one sink from its subject (samples.<sink>.> or
// events.<sink>.>): each message is decoded and added to a batch; the
// handler returns when the sink has taken the batch, so the message is
// acked only after delivery. A message the sink rejects for good, or one
// that cannot be decoded, fails permanently (dead-lettered); a failed
// delivery fails transiently (redelivered with backoff while the backend
// is down, the backlog waiting in JetStream).
type Delivery struct {
	// OnWrite, if set, is told the outcome of every batch the sink wrote:
	// its size, the sink's error (nil, a *sinks.RejectedError, a
	// permanent or a transient error) and how long the write took. Set it
	// before the first message.
	OnWrite WriteObserver

	samples *Batcher[processors.Sample]
	events  *Batcher[processors.Event]
}

// WriteObserver observes one batch write of a sink, e.g. for metrics.
type WriteObserver func(items int, err error, took time.Duration)

// NewDelivery returns the delivery for sink. batch and wait bound a batch
// (defaults 100 and 50ms); run its subscription with Concurrency ≥ batch.
func NewDelivery(sink sinks.Sink, batch int, wait time.Duration) *Delivery {
	d := &Delivery{}
	if s, ok := sink.(sinks.SampleSink); ok {
		d.samples = &Batcher[processors.Sample]{MaxSize: batch, MaxWait: wait, Write: observed(d, s.PublishSamples)}
	}
	if s, ok := sink.(sinks.EventSink); ok {
		d.events = &Batcher[processors.Event]{MaxSize: batch, MaxWait: wait, Write: observed(d, s.PublishEvents)}
	}
	return d
}

// observed wraps a sink's batch write with d.OnWrite.
func observed[T any](d *Delivery, write func(context.Context, []T) error) func(context.Context, []T) error {
	return func(ctx context.Context, items []T) error {
		if d.OnWrite == nil {
			return write(ctx, items)
		}
		start := time.Now()
		err := write(ctx, items)
		d.OnWrite(len(items), err, time.Since(start))
		return err
	}
}

// HandleSample is the handler for a samples.<sink>.> subscription.
func (d *Delivery) HandleSample(msg *message.Message) error {
	if d.samples == nil {
		return processors.Permanent(fmt.Errorf("this sink takes no samples"))
	}
	v, err := jsonv.Parse(msg.Payload)
	if err != nil {
		return processors.Permanent(fmt.Errorf("sample message: %w", err))
	}
	s, err := processors.SampleFromMessage(v)
	if err != nil {
		return err
	}
	return d.samples.Add(ctxOf(msg), s)
}

// HandleEvent is the handler for an events.<sink>.> subscription.
func (d *Delivery) HandleEvent(msg *message.Message) error {
	if d.events == nil {
		return processors.Permanent(fmt.Errorf("this sink takes no events"))
	}
	v, err := jsonv.Parse(msg.Payload)
	if err != nil {
		return processors.Permanent(fmt.Errorf("event message: %w", err))
	}
	e, err := processors.EventFromMessage(v)
	if err != nil {
		return err
	}
	return d.events.Add(ctxOf(msg), e)
}

func ctxOf(msg *message.Message) context.Context {
	if ctx := msg.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
