package routes

import (
	"context"
	"errors"
	"sync"
	"time"

	"meterflow/processors"
	"meterflow/sinks"
)

// Batcher turns concurrent per-message calls into batches: Add blocks
// until the batch holding its item has been written, and returns that
// item's outcome. It is how per-message Watermill handlers feed a backend
// that wants batches: run the subscription with Concurrency ≥ MaxSize.
type Batcher[T any] struct {
	// Write delivers a batch, with the sinks error contract: nil, a
	// *sinks.RejectedError naming items rejected for good, or an error for
	// the whole batch.
	Write func(ctx context.Context, items []T) error
	// MaxSize flushes a batch when it holds this many items. Default: 100.
	MaxSize int
	// MaxWait flushes a batch this long after its first item. Default: 50ms.
	MaxWait time.Duration

	mu      sync.Mutex
	pending *batch[T]
}

type batch[T any] struct {
	items []T
	done  chan struct{}
	err   error
	timer *time.Timer
}

// Add queues item and waits for its batch to be written. The error is nil
// when the item was delivered, wraps processors.ErrPermanent when it was
// rejected for good, and is the batch's error otherwise.
func (b *Batcher[T]) Add(ctx context.Context, item T) error {
	b.mu.Lock()
	if b.pending == nil {
		b.pending = &batch[T]{done: make(chan struct{})}
		bt := b.pending
		bt.timer = time.AfterFunc(b.maxWait(), func() { b.flush(bt) })
	}
	bt := b.pending
	idx := len(bt.items)
	bt.items = append(bt.items, item)
	if len(bt.items) >= b.maxSize() {
		b.pending = nil
		b.mu.Unlock()
		bt.timer.Stop()
		b.write(bt)
	} else {
		b.mu.Unlock()
	}
	select {
	case <-bt.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	var rejected *sinks.RejectedError
	if errors.As(bt.err, &rejected) {
		if err, ok := rejected.Rejected[idx]; ok {
			return processors.Permanent(err)
		}
		return nil
	}
	return bt.err
}

func (b *Batcher[T]) flush(bt *batch[T]) {
	b.mu.Lock()
	if b.pending != bt {
		b.mu.Unlock()
		return // already written because it filled up
	}
	b.pending = nil
	b.mu.Unlock()
	b.write(bt)
}

func (b *Batcher[T]) write(bt *batch[T]) {
	// The batch is written on behalf of every caller: it must not be cut
	// short by the first caller's context.
	bt.err = b.Write(context.Background(), bt.items)
	close(bt.done)
}

func (b *Batcher[T]) maxSize() int {
	if b.MaxSize > 0 {
		return b.MaxSize
	}
	return 100
}

func (b *Batcher[T]) maxWait() time.Duration {
	if b.MaxWait > 0 {
		return b.MaxWait
	}
	return 50 * time.Millisecond
}
