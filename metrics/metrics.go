// Package metrics holds meterflow's Prometheus metrics: one registry per
// service (never the global default one), the counters and histograms of
// every route and sink, and collectors that ask JetStream and the
// connections at scrape time. Names follow Prometheus conventions under
// the meterflow_ prefix: _total counters, _seconds histograms.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every meterflow metric.
const Namespace = "meterflow"

// Handler outcomes (the outcome label of meterflow_handler_messages_total).
const (
	OutcomeAcked        = "acked"         // handled, acked
	OutcomeDeadLettered = "dead_lettered" // failed for good, stored on deadletter.<route>, acked
	OutcomeNacked       = "nacked"        // failed after its retries, nacked for redelivery
	OutcomeRetried      = "retried"       // one retry of a failed attempt (counted per retry)
)

// Metrics is the set of meterflow's metrics, registered on its own
// registry. Its methods are safe for concurrent use.
type Metrics struct {
	// Registry holds every metric; serve it with Handler.
	Registry *prometheus.Registry

	bridgeReceived, bridgeBridged, bridgeDuplicates, bridgeDeadLettered *prometheus.CounterVec
	bridgeStoreFailures                                                 *prometheus.CounterVec
	duplicates                                                          *prometheus.CounterVec

	produced *prometheus.CounterVec

	handlerMessages *prometheus.CounterVec
	handlerDuration *prometheus.HistogramVec

	sinkDelivered, sinkRejected, sinkRetried, sinkErrors *prometheus.CounterVec
	sinkWriteDuration                                    *prometheus.HistogramVec

	natsAsyncErrors *prometheus.CounterVec
}

// New returns the metrics on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	f := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
		reg.MustRegister(c)
		return c
	}
	h := func(name, help string, labels ...string) *prometheus.HistogramVec {
		c := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help,
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, labels)
		reg.MustRegister(c)
		return c
	}
	m := &Metrics{
		Registry: reg,

		bridgeReceived:      f("bridge_received_total", "AMQP deliveries the bridge received (redeliveries included).", "exchange", "priority"),
		bridgeBridged:       f("bridge_bridged_total", "Notifications the bridge stored in NOTIFICATIONS (duplicates included) and acked.", "exchange", "priority"),
		bridgeDuplicates:    f("bridge_duplicates_total", "Notifications JetStream acknowledged as duplicates of a stored one (same message_id).", "exchange", "priority"),
		bridgeDeadLettered:  f("bridge_dead_lettered_total", "AMQP deliveries that were not notifications, stored on deadletter.bridge and acked.", "exchange", "priority"),
		bridgeStoreFailures: f("bridge_store_failures_total", "AMQP deliveries the bridge could not store and nacked (RabbitMQ redelivers them), by reason: stream_full (NOTIFICATIONS at --stream-max-bytes, or the store's disk full), timeout, not_acked.", "reason"),
		duplicates:          f("jetstream_duplicates_total", "Messages JetStream acknowledged as duplicates, by the first token of their subject.", "prefix"),

		produced: f("produced_total", "Samples and events the process route stored for a sink, by meter (event type).", "kind", "name", "sink"),

		handlerMessages: f("handler_messages_total", "Messages handled per route, by final outcome (acked, dead_lettered, nacked); retried counts retries of failed attempts.", "route", "sink", "outcome"),
		handlerDuration: h("handler_duration_seconds", "Time to handle a message per route, retries included.", "route", "sink"),

		sinkDelivered:     f("sink_delivered_total", "Samples or events a sink's backend took.", "route", "sink"),
		sinkRejected:      f("sink_rejected_total", "Samples or events a sink's backend rejected for good (dead-lettered).", "route", "sink"),
		sinkRetried:       f("sink_retried_total", "Samples or events handed back for retry because their batch failed.", "route", "sink"),
		sinkErrors:        f("sink_errors_total", "Batch writes that failed (the whole batch, or some items rejected).", "route", "sink"),
		sinkWriteDuration: h("sink_write_duration_seconds", "Time a sink took to write one batch.", "route", "sink"),

		natsAsyncErrors: f("nats_async_errors_total", "Errors nats.go reported asynchronously, by kind: slow_consumer (a subscription dropped messages; JetStream redelivers them after AckWait), other.", "kind"),
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus exposition formats. A
// collector that fails (a JetStream timeout) does not fail the scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: m.Registry})
}

// NATSAsyncError counts an error nats.go reported asynchronously:
// slowConsumer when a subscription dropped messages.
func (m *Metrics) NATSAsyncError(slowConsumer bool) {
	kind := "other"
	if slowConsumer {
		kind = "slow_consumer"
	}
	m.natsAsyncErrors.WithLabelValues(kind).Inc()
}

// Produced counts one sample (kind "sample") or event ("event") named name
// stored for sink.
func (m *Metrics) Produced(kind, name, sink string) {
	m.produced.WithLabelValues(kind, name, sink).Inc()
}
