package routes

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"meterflow/processors"
)

type failingSink struct{ err error }

func (s failingSink) PublishSamples(context.Context, []processors.Sample) error { return s.err }
func (failingSink) Close(context.Context) error                                 { return nil }

func TestDeliveryTellsOnWriteEveryBatchAndItsOutcome(t *testing.T) {
	down := errors.New("backend down")
	d := NewDelivery(failingSink{down}, 3, time.Hour)
	var mu sync.Mutex
	var items int
	var got error
	d.OnWrite = func(n int, err error, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		items, got = items+n, err
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := d.samples.Add(context.Background(), processors.Sample{}); !errors.Is(err, down) {
				t.Errorf("Add = %v, want the batch's error", err)
			}
		})
	}
	wg.Wait()
	if items != 3 || !errors.Is(got, down) {
		t.Errorf("OnWrite saw %d items and %v, want 3 and the sink's error", items, got)
	}
}
