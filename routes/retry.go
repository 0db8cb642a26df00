package routes

import (
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Retry is middleware that runs a handler again, with exponential backoff,
// after an error that is not permanent (IsPermanent). The result of the last
// attempt is returned: a handler that still fails nacks its message, which
// the source redelivers later; a permanent error ends the attempts at once
// (the dead-letter middleware outside takes it).
//
// It does what Watermill's middleware.Retry does for meterflow's routes but
// costs nothing while the first attempt succeeds: Watermill's builds a
// backoff, its options and closures for every message (13 allocations, and
// frames on every handler goroutine's stack).
type Retry struct {
	// MaxRetries is how many times a failed message is tried again.
	// Default: 0, no retry.
	MaxRetries int
	// InitialInterval is the wait before the first retry; each later wait
	// is Multiplier times the one before, at most MaxInterval.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	Multiplier      float64
	// OnRetry, if set, is told of each retry before its wait (a metric).
	OnRetry func(retryNum int, delay time.Duration)
	// Logger gets "Error occurred, retrying" for each retry. Default: none.
	Logger watermill.LoggerAdapter
}

// Middleware returns the middleware.
func (r Retry) Middleware(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		if err == nil || IsPermanent(err) || r.MaxRetries <= 0 {
			return out, err
		}
		return r.retry(h, msg, out, err)
	}
}

// retry runs the retries after a first failed attempt.
func (r Retry) retry(h message.HandlerFunc, msg *message.Message, out []*message.Message, err error) ([]*message.Message, error) {
	delay := r.InitialInterval
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for n := 1; n <= r.MaxRetries; n++ {
		if r.Logger != nil {
			r.Logger.Error("Error occurred, retrying", err, watermill.LogFields{
				"retry_no": n, "max_retries": r.MaxRetries, "wait_time": delay})
		}
		if r.OnRetry != nil {
			r.OnRetry(n, delay)
		}
		timer.Reset(delay)
		select {
		case <-timer.C:
		case <-msg.Context().Done():
			return out, err // stopping: the message is nacked and redelivered
		}
		if out, err = h(msg); err == nil || IsPermanent(err) {
			return out, err
		}
		delay = min(time.Duration(float64(delay)*r.Multiplier), r.MaxInterval)
	}
	return out, err
}
