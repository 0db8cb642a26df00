package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// span is what a replay reads: the notifications matching the filter from
// the start to end (a stream sequence), at most total of them.
type span struct {
	start jetstream.OrderedConsumerConfig
	end   uint64
	until time.Time
	total uint64
}

// resolve fixes the span when the replay starts: its end is the stream's
// last sequence then (or ToSeq, or Until), and total is counted by the
// server with short-lived ephemeral consumers (never durable ones).
func resolve(ctx context.Context, st jetstream.Stream, cfg Config) (span, error) {
	info, err := st.Info(ctx)
	if err != nil {
		return span{}, fmt.Errorf("stream %s: %w", cfg.Stream, err)
	}
	sp := span{end: info.State.LastSeq, until: cfg.Until}
	if cfg.ToSeq != 0 && cfg.ToSeq < sp.end {
		sp.end = cfg.ToSeq
	}
	sp.start = jetstream.OrderedConsumerConfig{FilterSubjects: cfg.Subjects, DeliverPolicy: jetstream.DeliverAllPolicy}
	switch {
	case cfg.FromSeq != 0:
		sp.start.DeliverPolicy, sp.start.OptStartSeq = jetstream.DeliverByStartSequencePolicy, cfg.FromSeq
	case !cfg.From.IsZero():
		t := cfg.From
		sp.start.DeliverPolicy, sp.start.OptStartTime = jetstream.DeliverByStartTimePolicy, &t
	}
	if info.State.Msgs == 0 || (cfg.FromSeq != 0 && cfg.FromSeq > sp.end) {
		return sp, nil
	}
	from, err := pending(ctx, st, jetstream.ConsumerConfig{DeliverPolicy: sp.start.DeliverPolicy, OptStartSeq: sp.start.OptStartSeq, OptStartTime: sp.start.OptStartTime}, cfg.Subjects)
	if err != nil {
		return span{}, err
	}
	// after counts the matching notifications past the end; the earlier of
	// the two ends leaves the larger suffix.
	var after uint64
	if sp.end < info.State.LastSeq {
		after, err = pending(ctx, st, jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: sp.end + 1}, cfg.Subjects)
		if err != nil {
			return span{}, err
		}
	}
	if !cfg.Until.IsZero() {
		t := cfg.Until
		n, err := pending(ctx, st, jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &t}, cfg.Subjects)
		if err != nil {
			return span{}, err
		}
		after = max(after, n)
	}
	if from > after {
		sp.total = from - after
	}
	return sp, nil
}

// pending counts the messages matching subjects from cc's start, with an
// ephemeral consumer deleted at once (and expiring by itself if not).
func pending(ctx context.Context, st jetstream.Stream, cc jetstream.ConsumerConfig, subjects []string) (uint64, error) {
	cc.AckPolicy = jetstream.AckNonePolicy
	cc.FilterSubjects = subjects
	cc.MemoryStorage = true
	cc.InactiveThreshold = time.Minute
	cc.Description = "meterflow replay: counting"
	c, err := st.CreateConsumer(ctx, cc)
	if err != nil {
		return 0, fmt.Errorf("count notifications to replay: %w", err)
	}
	info := c.CachedInfo()
	_ = st.DeleteConsumer(ctx, info.Name)
	return info.NumPending, nil
}
