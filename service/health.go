package service

import (
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"meterflow/metrics"
)

// Connection states in /readyz bodies.
const (
	StateConnected    = "connected"
	StateDisconnected = "disconnected"
	StateRunning      = "running"
	StateStarting     = "starting"
	StateStopped      = "stopped"
)

// Readiness is the body of /readyz: the state of every AMQP broker (by
// redacted name), of NATS and of the router. Ready is true when every one
// is connected (running).
type Readiness struct {
	Ready  bool              `json:"-"`
	AMQP   map[string]string `json:"amqp"`
	NATS   string            `json:"nats"`
	Router string            `json:"router"`
}

// health tracks the connections the service depends on. A broker counts
// as connected when its connections for every topic are up (the AMQP
// subscriber opens one per topic).
type health struct {
	topics int
	nc     *nats.Conn
	router *message.Router

	mu      sync.Mutex
	brokers []string       // redacted names, in configuration order
	conns   map[string]int // open connections per broker

	amqpUp, natsUp, routerUp *prometheus.Desc
}

func newHealth(topics int) *health {
	return &health{
		topics: topics,
		conns:  map[string]int{},
		amqpUp: prometheus.NewDesc(metrics.Namespace+"_amqp_connected",
			"1 when meterflow consumes from the RabbitMQ broker (every topic's connection is up), else 0.", []string{"broker"}, nil),
		natsUp: prometheus.NewDesc(metrics.Namespace+"_nats_connected",
			"1 when the NATS connection is up, else 0.", nil, nil),
		routerUp: prometheus.NewDesc(metrics.Namespace+"_router_running",
			"1 while the router runs its handlers, else 0.", nil, nil),
	}
}

// addBroker declares a broker so that it is reported before it connects.
func (h *health) addBroker(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[name]; !ok {
		h.brokers = append(h.brokers, name)
		h.conns[name] = 0
	}
}

// onConnection is the AMQP subscriber's OnConnection.
func (h *health) onConnection(broker string, up bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[broker]; !ok {
		h.brokers = append(h.brokers, broker)
	}
	if up {
		h.conns[broker]++
	} else if h.conns[broker] > 0 {
		h.conns[broker]--
	}
}

// readiness reports the state of every dependency.
func (h *health) readiness() Readiness {
	r := Readiness{Ready: true, AMQP: map[string]string{}, NATS: StateConnected, Router: StateRunning}
	h.mu.Lock()
	for _, b := range h.brokers {
		r.AMQP[b] = StateConnected
		if h.conns[b] < h.topics {
			r.AMQP[b], r.Ready = StateDisconnected, false
		}
	}
	h.mu.Unlock()
	if h.nc == nil || !h.nc.IsConnected() {
		r.NATS, r.Ready = StateDisconnected, false
	}
	switch {
	case h.router == nil || h.router.IsClosed():
		r.Router, r.Ready = StateStopped, false
	case !h.router.IsRunning():
		r.Router, r.Ready = StateStarting, false
	}
	return r
}

// Describe implements prometheus.Collector.
func (h *health) Describe(ch chan<- *prometheus.Desc) {
	ch <- h.amqpUp
	ch <- h.natsUp
	ch <- h.routerUp
}

// Collect implements prometheus.Collector: the connection gauges.
func (h *health) Collect(ch chan<- prometheus.Metric) {
	r := h.readiness()
	gauge := func(up bool) float64 {
		if up {
			return 1
		}
		return 0
	}
	for b, st := range r.AMQP {
		ch <- prometheus.MustNewConstMetric(h.amqpUp, prometheus.GaugeValue, gauge(st == StateConnected), b)
	}
	ch <- prometheus.MustNewConstMetric(h.natsUp, prometheus.GaugeValue, gauge(r.NATS == StateConnected))
	ch <- prometheus.MustNewConstMetric(h.routerUp, prometheus.GaugeValue, gauge(r.Router == StateRunning))
}
