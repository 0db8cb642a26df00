package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultLagTimeout bounds the consumer info requests of one scrape.
const DefaultLagTimeout = 2 * time.Second

// Consumer names a durable JetStream consumer.
type Consumer struct{ Stream, Durable string }

// LagCollector asks JetStream, at scrape time, how far each durable
// consumer is behind: messages not yet delivered (pending) and delivered
// but not yet acked (ack pending). A consumer JetStream does not answer
// for within the timeout is left out of that scrape and counted in
// meterflow_consumer_info_errors_total.
type LagCollector struct {
	JS jetstream.JetStream
	// Timeout bounds one scrape. Default: DefaultLagTimeout.
	Timeout time.Duration
	Logger  *slog.Logger

	mu        sync.Mutex
	consumers []Consumer

	pending, ackPending, redelivered *prometheus.Desc
	errors                           *prometheus.CounterVec
}

// NewLagCollector returns a collector for js; add consumers with Add.
func NewLagCollector(js jetstream.JetStream) *LagCollector {
	labels := []string{"stream", "consumer"}
	return &LagCollector{
		JS: js,
		pending: prometheus.NewDesc(Namespace+"_consumer_pending_messages",
			"Messages of the stream the durable consumer has not delivered yet (its lag).", labels, nil),
		ackPending: prometheus.NewDesc(Namespace+"_consumer_ack_pending_messages",
			"Messages delivered to the durable consumer and not acked yet.", labels, nil),
		redelivered: prometheus.NewDesc(Namespace+"_consumer_redelivered_messages",
			"Messages the durable consumer is redelivering now.", labels, nil),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "consumer_info_errors_total",
			Help: "Scrapes for which JetStream did not tell a consumer's state."}, labels),
	}
}

// Add makes c reported from the next scrape on.
func (l *LagCollector) Add(c Consumer) {
	l.mu.Lock()
	l.consumers = append(l.consumers, c)
	l.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (l *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- l.pending
	ch <- l.ackPending
	ch <- l.redelivered
	l.errors.Describe(ch)
}

// Collect implements prometheus.Collector: it asks for every consumer's
// info concurrently.
func (l *LagCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultLagTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	l.mu.Lock()
	consumers := append([]Consumer(nil), l.consumers...)
	l.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range consumers {
		wg.Go(func() {
			info, err := l.info(ctx, c)
			if err != nil {
				l.errors.WithLabelValues(c.Stream, c.Durable).Inc()
				if l.Logger != nil {
					l.Logger.Debug("consumer info for metrics failed", "stream", c.Stream, "consumer", c.Durable, "error", err)
				}
				return
			}
			ch <- prometheus.MustNewConstMetric(l.pending, prometheus.GaugeValue, float64(info.NumPending), c.Stream, c.Durable)
			ch <- prometheus.MustNewConstMetric(l.ackPending, prometheus.GaugeValue, float64(info.NumAckPending), c.Stream, c.Durable)
			ch <- prometheus.MustNewConstMetric(l.redelivered, prometheus.GaugeValue, float64(info.NumRedelivered), c.Stream, c.Durable)
		})
	}
	wg.Wait()
	l.errors.Collect(ch)
}

func (l *LagCollector) info(ctx context.Context, c Consumer) (*jetstream.ConsumerInfo, error) {
	cons, err := l.JS.Consumer(ctx, c.Stream, c.Durable)
	if err != nil {
		return nil, err
	}
	return cons.CachedInfo(), nil // fetched by Consumer just now
}
