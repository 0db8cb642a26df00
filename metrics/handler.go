package metrics

import (
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// HandlerMiddleware counts every message a route handles by its final
// outcome and observes how long the handling took, retries included. It
// must be the outermost middleware of the route, so that it sees what the
// router will do: an error means the message is nacked; nil means acked,
// or dead-lettered when the dead-letter middleware (Watermill's poison
// queue) marked it with its reason. sink is the pipeline sink the route
// delivers to, "" for the bridge and process routes. It never changes the
// message or the outcome.
func (m *Metrics) HandlerMiddleware(route, sink string) message.HandlerMiddleware {
	acked := m.handlerMessages.WithLabelValues(route, sink, OutcomeAcked)
	dead := m.handlerMessages.WithLabelValues(route, sink, OutcomeDeadLettered)
	nacked := m.handlerMessages.WithLabelValues(route, sink, OutcomeNacked)
	duration := m.handlerDuration.WithLabelValues(route, sink)
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			before := msg.Metadata.Get(middleware.ReasonForPoisonedKey)
			start := time.Now()
			out, err := h(msg)
			duration.Observe(time.Since(start).Seconds())
			switch {
			case err != nil:
				nacked.Inc()
			case deadLettered(msg, before):
				dead.Inc()
			default:
				acked.Inc()
			}
			return out, err
		}
	}
}

// OnRetry returns a routes.Retry OnRetry hook counting each retry of the
// route's messages (outcome "retried").
func (m *Metrics) OnRetry(route, sink string) func(retryNum int, delay time.Duration) {
	retried := m.handlerMessages.WithLabelValues(route, sink, OutcomeRetried)
	return func(int, time.Duration) { retried.Inc() }
}

// deadLettered reports whether the dead-letter middleware (Watermill's
// poison queue) stored msg while it was handled: it sets the reason on the
// message. before is the reason msg carried when it arrived (a replayed
// dead letter), which does not count.
func deadLettered(msg *message.Message, before string) bool {
	after := msg.Metadata.Get(middleware.ReasonForPoisonedKey)
	return after != "" && after != before
}
