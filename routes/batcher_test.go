package routes

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"meterflow/processors"
	"meterflow/sinks"
)

func TestBatcherGroupsConcurrentCallsAndReportsPerItemOutcomes(t *testing.T) {
	var calls atomic.Int32
	b := &Batcher[int]{
		MaxSize: 10, MaxWait: time.Hour,
		Write: func(_ context.Context, items []int) error {
			calls.Add(1)
			rej := map[int]error{}
			for i, v := range items {
				if v%10 == 3 {
					rej[i] = errors.New("bad value")
				}
			}
			if len(rej) > 0 {
				return &sinks.RejectedError{Rejected: rej}
			}
			return nil
		},
	}
	var wg sync.WaitGroup
	errs := make([]error, 30)
	for i := range 30 {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = b.Add(context.Background(), i) }()
	}
	wg.Wait()
	if calls.Load() != 3 {
		t.Fatalf("%d writes for 30 items in batches of 10", calls.Load())
	}
	for i, err := range errs {
		if (i%10 == 3) != errors.Is(err, processors.ErrPermanent) {
			t.Errorf("item %d: %v", i, err)
		}
	}
}

func TestBatcherFlushesAPartialBatchAfterMaxWait(t *testing.T) {
	b := &Batcher[string]{MaxSize: 100, MaxWait: 20 * time.Millisecond,
		Write: func(_ context.Context, items []string) error { return errors.New("backend down") }}
	start := time.Now()
	err := b.Add(context.Background(), "x")
	if err == nil || errors.Is(err, processors.ErrPermanent) {
		t.Fatalf("error %v, want the batch's retryable error", err)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Fatal("flushed before MaxWait")
	}
}
