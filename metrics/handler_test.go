package metrics

import (
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"meterflow/processors"
)

type nopPublisher struct{ published int }

func (p *nopPublisher) Publish(string, ...*message.Message) error { p.published++; return nil }
func (p *nopPublisher) Close() error                              { return nil }

// chain builds the route's stack as service.addRoute does: metrics
// outermost, then the dead-letter middleware, then retries.
func chain(t *testing.T, m *Metrics, h message.HandlerFunc) message.HandlerFunc {
	t.Helper()
	dl, err := middleware.PoisonQueueWithFilter(&nopPublisher{}, "deadletter.test", processors.IsPermanent)
	if err != nil {
		t.Fatal(err)
	}
	retry := middleware.Retry{MaxRetries: 2, InitialInterval: time.Millisecond,
		ShouldRetry: func(p middleware.RetryParams) bool { return !processors.IsPermanent(p.Err) },
		OnRetryHook: m.OnRetry("r", "k")}
	return m.HandlerMiddleware("r", "k")(dl(retry.Middleware(h)))
}

func TestHandlerMiddlewareCountsFinalOutcomesAndRetries(t *testing.T) {
	m := New()
	ok := chain(t, m, func(*message.Message) ([]*message.Message, error) { return nil, nil })
	bad := chain(t, m, func(*message.Message) ([]*message.Message, error) {
		return nil, processors.Permanent(errors.New("never"))
	})
	down := chain(t, m, func(*message.Message) ([]*message.Message, error) { return nil, errors.New("backend down") })

	for range 3 {
		if _, err := ok(message.NewMessage("1", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bad(message.NewMessage("2", nil)); err != nil {
		t.Fatalf("a dead-lettered message must be acked, got %v", err)
	}
	if _, err := down(message.NewMessage("3", nil)); err == nil {
		t.Fatal("a message failing after its retries must be nacked")
	}

	for outcome, want := range map[string]float64{OutcomeAcked: 3, OutcomeDeadLettered: 1, OutcomeNacked: 1, OutcomeRetried: 2} {
		if got := value(m.handlerMessages.WithLabelValues("r", "k", outcome)); got != want {
			t.Errorf("%s = %v, want %v", outcome, got, want)
		}
	}
	if n := count(m.handlerDuration); n != 1 {
		t.Errorf("%d duration series, want 1", n)
	}
}

func TestHandlerMiddlewareDoesNotCountAReplayedDeadLetterAsDeadLettered(t *testing.T) {
	m := New()
	h := chain(t, m, func(*message.Message) ([]*message.Message, error) { return nil, nil })
	msg := message.NewMessage("1", nil)
	msg.Metadata.Set(middleware.ReasonForPoisonedKey, "an earlier failure")
	if _, err := h(msg); err != nil {
		t.Fatal(err)
	}
	if got := value(m.handlerMessages.WithLabelValues("r", "k", OutcomeAcked)); got != 1 {
		t.Errorf("acked = %v, want 1", got)
	}
}

func TestHandlerMiddlewareObservesTheWholeHandling(t *testing.T) {
	m := New()
	h := m.HandlerMiddleware("slow", "")(func(*message.Message) ([]*message.Message, error) {
		time.Sleep(20 * time.Millisecond)
		return nil, nil
	})
	if _, err := h(message.NewMessage("1", nil)); err != nil {
		t.Fatal(err)
	}
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "meterflow_handler_duration_seconds" {
			hist := mf.GetMetric()[0].GetHistogram()
			if hist.GetSampleCount() != 1 || hist.GetSampleSum() < 0.02 {
				t.Errorf("histogram: %d observations summing %vs, want 1 of at least 0.02s", hist.GetSampleCount(), hist.GetSampleSum())
			}
			return
		}
	}
	t.Error("no meterflow_handler_duration_seconds")
}
