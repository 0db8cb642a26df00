package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// measure runs an in-process phase between two readings of this process'
// CPU time.
func measure(ctx context.Context, name string, phase func(context.Context, *Phase) error) (Phase, error) {
	p := Phase{Name: name}
	before, err := cpuTime()
	if err != nil {
		return p, err
	}
	if err := phase(ctx, &p); err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	after, err := cpuTime()
	if err != nil {
		return p, err
	}
	p.CPU = after - before
	return p, nil
}

// readStream reads count messages of stream from sequence from on with an
// ordered, headers-only consumer and calls each for every one.
func readStream(ctx context.Context, js jetstream.JetStream, stream string, from, count uint64,
	each func(jetstream.Msg, *jetstream.MsgMetadata) error) error {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from, HeadersOnly: true})
	if err != nil {
		return err
	}
	var read uint64
	for read < count {
		batch, err := cons.Fetch(int(min(count-read, 1000)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return err
		}
		got := 0
		for m := range batch.Messages() {
			got++
			read++
			meta, err := m.Metadata()
			if err != nil {
				return err
			}
			if err := each(m, meta); err != nil {
				return err
			}
		}
		if err := batch.Error(); err != nil {
			return err
		}
		if got == 0 {
			return fmt.Errorf("%s: read %d of %d messages from sequence %d", stream, read, count, from)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// streamInfoState is stream's state, zero for a stream not created yet.
func streamInfoState(ctx context.Context, js jetstream.JetStream, stream string) (jetstream.StreamState, error) {
	s, err := js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return jetstream.StreamState{}, nil
	}
	if err != nil {
		return jetstream.StreamState{}, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return jetstream.StreamState{}, err
	}
	return info.State, nil
}

// streamState returns how many messages stream holds and its last
// sequence; a stream not created yet holds none.
func streamState(ctx context.Context, js jetstream.JetStream, stream string) (msgs, last uint64, err error) {
	st, err := streamInfoState(ctx, js, stream)
	return st.Msgs, st.LastSeq, err
}

// outputSpan is the time from the first to the last message stored in
// the streams (JetStream's stored timestamps), zero when they hold none.
func outputSpan(ctx context.Context, js jetstream.JetStream, streams ...string) (time.Duration, error) {
	var first, last time.Time
	for _, name := range streams {
		st, err := streamInfoState(ctx, js, name)
		if err != nil {
			return 0, err
		}
		if st.Msgs == 0 {
			continue
		}
		if first.IsZero() || st.FirstTime.Before(first) {
			first = st.FirstTime
		}
		if st.LastTime.After(last) {
			last = st.LastTime
		}
	}
	return last.Sub(first), nil
}

func streamMsgs(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	msgs, _, err := streamState(ctx, js, stream)
	return msgs, err
}

// ackFloor is the stream sequence below which durable has acked every
// message; zero while the consumer does not exist.
func ackFloor(ctx context.Context, js jetstream.JetStream, stream, durable string) (uint64, error) {
	c, err := js.Consumer(ctx, stream, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.AckFloor.Stream, nil
}

// settle waits a moment, so that extra messages would show, and returns
// how many messages stream holds.
func settle(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(300 * time.Millisecond):
	}
	return streamMsgs(ctx, js, stream)
}

// percentile returns the q-quantile (nearest rank) of sorted ds.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
