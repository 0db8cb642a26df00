package metrics

import (
	"errors"
	"testing"
	"time"

	"meterflow/processors"
	"meterflow/sinks"
)

func TestSinkObserverSplitsDeliveredRejectedAndRetried(t *testing.T) {
	m := New()
	observe := m.SinkObserver("sink-samples-k-0", "k")
	observe(10, nil, time.Millisecond)
	observe(5, &sinks.RejectedError{Rejected: map[int]error{1: errors.New("bad volume")}}, time.Millisecond)
	observe(3, processors.Permanent(errors.New("400")), time.Millisecond)
	observe(7, errors.New("503"), time.Millisecond)

	for name, c := range map[string]struct {
		got  float64
		want float64
	}{
		"delivered": {value(m.sinkDelivered.WithLabelValues("sink-samples-k-0", "k")), 14},
		"rejected":  {value(m.sinkRejected.WithLabelValues("sink-samples-k-0", "k")), 4},
		"retried":   {value(m.sinkRetried.WithLabelValues("sink-samples-k-0", "k")), 7},
		"errors":    {value(m.sinkErrors.WithLabelValues("sink-samples-k-0", "k")), 3},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", name, c.got, c.want)
		}
	}
}
