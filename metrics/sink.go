package metrics

import (
	"errors"
	"time"

	"meterflow/processors"
	"meterflow/sinks"
)

// SinkObserver returns a routes.WriteObserver for one delivery route
// feeding sink: it counts the items the backend took, rejected for good
// and handed back for retry, the failed writes, and observes each write's
// duration.
func (m *Metrics) SinkObserver(route, sink string) func(items int, err error, took time.Duration) {
	delivered := m.sinkDelivered.WithLabelValues(route, sink)
	rejected := m.sinkRejected.WithLabelValues(route, sink)
	retried := m.sinkRetried.WithLabelValues(route, sink)
	errs := m.sinkErrors.WithLabelValues(route, sink)
	duration := m.sinkWriteDuration.WithLabelValues(route, sink)
	return func(items int, err error, took time.Duration) {
		duration.Observe(took.Seconds())
		if err == nil {
			delivered.Add(float64(items))
			return
		}
		errs.Inc()
		var rej *sinks.RejectedError
		switch {
		case errors.As(err, &rej):
			rejected.Add(float64(len(rej.Rejected)))
			delivered.Add(float64(items - len(rej.Rejected)))
		case processors.IsPermanent(err):
			rejected.Add(float64(items))
		default:
			retried.Add(float64(items))
		}
	}
}
