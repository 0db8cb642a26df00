// Package service assembles meterflow from its parts: the JetStream
// connection (embedded server or external cluster), the streams, the AMQP
// subscriber and the Watermill router with meterflow's routes. main.go
// fills a Config from flags; tests run a Service in-process.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/wlog"
	"meterflow/metrics"
	"meterflow/processors/convert"
	"meterflow/routes"
	"meterflow/sinks"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

// Stream names.
const (
	StreamNotifications = "NOTIFICATIONS"
	StreamSamples       = "SAMPLES"
	StreamEvents        = "EVENTS"
	StreamDeadLetter    = "DEADLETTER"
)

// ProcessDurable is the durable consumer on NOTIFICATIONS that every
// meterflow process shares: they split the notifications between them.
const ProcessDurable = "process"

// DefaultBroker is the RabbitMQ used when none is configured.
const DefaultBroker = "rabbit://guest:guest@localhost:5672/"

// DefaultGnocchiURL is where a bare gnocchi:// publisher sends samples.
const DefaultGnocchiURL = "gnocchi://localhost:8041"

// Config is everything a Service needs. Zero values mean the documented
// defaults of each part.
type Config struct {
	// AMQP configures the RabbitMQ side of the bridge.
	AMQP amqpt.Config
	// Topics are the oslo notification topics to consume
	// (oslo's notifications.topics). Default: ["notifications"].
	Topics []string

	// NATSURL selects an external NATS server or cluster (comma-separated
	// URLs). Empty: run an embedded server (Server).
	NATSURL string
	// NATSOptions are connect options for NATSURL (credentials, TLS).
	NATSOptions []jst.ConnectOption
	// Server configures the embedded server; its DataDir is required when
	// NATSURL is empty.
	Server jst.ServerConfig

	// Notifications, Samples, Events and DeadLetter configure the streams'
	// limits; names and subjects are fixed.
	Notifications jst.StreamConfig
	Samples       jst.StreamConfig
	Events        jst.StreamConfig
	DeadLetter    jst.StreamConfig

	// BridgeOnly runs the bridge alone: no conversion, no sinks.
	// Default: false.
	BridgeOnly bool
	// Convert selects the meter and event definitions.
	Convert convert.Config
	// PipelineFile and EventPipelineFile are Ceilometer's pipeline.yaml and
	// event_pipeline.yaml. Default: /etc/ceilometer/<name> when it exists
	// (unless Convert.NoEtc), else the shipped ones.
	PipelineFile, EventPipelineFile string
	// GnocchiURL is where a bare gnocchi:// publisher (the shipped
	// pipeline.yaml's) sends samples. Default: DefaultGnocchiURL.
	GnocchiURL string
	// Secret signs samples and events (Ceilometer's telemetry_secret).
	// Default: sinks.DefaultSecret.
	Secret string
	// ProcessConcurrency is how many notifications one process converts at
	// once. Default: 256.
	ProcessConcurrency int
	// SinkBatch and SinkBatchWait bound the batches handed to a sink.
	// Defaults: 100 and 50ms.
	SinkBatch     int
	SinkBatchWait time.Duration

	// MaxBodyBytes: larger AMQP bodies are dead-lettered.
	// Default: routes.DefaultMaxBodyBytes.
	MaxBodyBytes int

	// HTTPListen is the address of the HTTP server serving /metrics,
	// /healthz and /readyz. Default: "" (no server); meterflow run's
	// --http-listen defaults to DefaultHTTPListen.
	HTTPListen string

	// ShutdownTimeout bounds a graceful stop. Default: 30s.
	ShutdownTimeout time.Duration

	// Routes are routes of a user program, added by New after meterflow's
	// own, as AddRoute adds them. They run with BridgeOnly too.
	// Default: none.
	Routes []routes.Route
	// RoutesStream configures the limits of the stream ROUTES, which
	// stores the outputs of Routes with a routes.Subject destination; its
	// name and subjects are managed (see AddRoute).
	RoutesStream jst.StreamConfig

	// Logger. Default: slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if len(c.AMQP.Brokers) == 0 {
		c.AMQP.Brokers = []string{DefaultBroker}
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if len(c.Topics) == 0 {
		c.Topics = []string{"notifications"}
	}
	c.Notifications.Name = StreamNotifications
	c.Notifications.Subjects = []string{routes.NotificationsPrefix + ".>"}
	if c.Notifications.Description == "" {
		c.Notifications.Description = "oslo.messaging notifications as received from RabbitMQ, deduplicated by message_id"
	}
	c.Samples.Name = StreamSamples
	c.Samples.Subjects = []string{routes.SamplesPrefix + ".>"}
	if c.Samples.Description == "" {
		c.Samples.Description = "samples per pipeline sink: samples.<sink>.<meter>, Ceilometer's meter message format"
	}
	c.Events.Name = StreamEvents
	c.Events.Subjects = []string{routes.EventsPrefix + ".>"}
	if c.Events.Description == "" {
		c.Events.Description = "events per pipeline sink: events.<sink>.<event_type>, Ceilometer's event message format"
	}
	if c.GnocchiURL == "" {
		c.GnocchiURL = DefaultGnocchiURL
	}
	if c.Secret == "" {
		c.Secret = sinks.DefaultSecret
	}
	if c.ProcessConcurrency == 0 {
		c.ProcessConcurrency = 256
	}
	if c.SinkBatch == 0 {
		c.SinkBatch = 100
	}
	if c.SinkBatchWait == 0 {
		c.SinkBatchWait = 50 * time.Millisecond
	}
	c.DeadLetter.Name = StreamDeadLetter
	c.DeadLetter.Subjects = []string{routes.DeadLetterPrefix + ".>"}
	if c.DeadLetter.Description == "" {
		c.DeadLetter.Description = "messages meterflow could not process, with the reason in the reason_poisoned header"
	}
	if c.AMQP.Logger == nil {
		c.AMQP.Logger = c.Logger
	}
	if c.AMQP.ShutdownTimeout == 0 {
		c.AMQP.ShutdownTimeout = c.ShutdownTimeout
	}
}

// Service is a running meterflow.
type Service struct {
	cfg    Config
	log    *slog.Logger
	server *jst.Server // nil with an external NATS
	nc     *nats.Conn
	js     jetstream.JetStream
	pub    *jst.Publisher
	sub    *amqpt.Subscriber
	router *message.Router
	// reg adds every route to router, meterflow's own and a user's.
	reg  *routes.Registrar
	defs atomic.Pointer[routes.Definitions]
	// converted counts the notifications this process converted.
	converted atomic.Uint64

	// reloadMu serializes Reload and guards deliveries, lagged and runCtx.
	reloadMu sync.Mutex
	// deliveries are the running delivery routes by pipeline publisher.
	deliveries map[deliveryKey]*delivery
	// lagged are the durable consumers the lag collector reports.
	lagged map[string]bool
	// runCtx is Run's context, which routes added by Reload run under.
	runCtx context.Context
	// closing is set by Close: Reload refuses from then on.
	closing bool

	metrics      *metrics.Metrics
	health       *health
	lag          *metrics.LagCollector
	httpListener net.Listener
	httpServer   *http.Server

	closeOnce sync.Once
	closeErr  error
}

// New connects to (or starts) JetStream, ensures the streams and builds the
// router. Nothing is consumed until Run.
func New(ctx context.Context, cfg Config) (_ *Service, err error) {
	cfg.setDefaults()
	s := &Service{cfg: cfg, log: cfg.Logger, metrics: metrics.New(), health: newHealth(len(cfg.Topics)),
		deliveries: map[deliveryKey]*delivery{}, lagged: map[string]bool{}}
	defer func() {
		if err != nil {
			s.shutdownHTTP()
			s.closeTransports()
		}
	}()
	if err := s.listenHTTP(); err != nil {
		return nil, err
	}
	if err := s.connectNATS(); err != nil {
		return nil, err
	}
	s.health.nc = s.nc
	if s.js, err = jetstream.New(s.nc); err != nil {
		return nil, err
	}
	streams := []jst.StreamConfig{cfg.Notifications, cfg.DeadLetter}
	if !cfg.BridgeOnly {
		streams = append(streams, cfg.Samples, cfg.Events)
	}
	for _, sc := range streams {
		if err := s.ensureStream(ctx, sc); err != nil {
			return nil, fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	wl := wlog.New(s.log)
	if s.pub, err = jst.NewPublisher(s.nc, jst.PublisherConfig{MsgID: jst.MsgIDFromMetadata, Logger: wl,
		OnDuplicate: s.metrics.OnDuplicate}); err != nil {
		return nil, err
	}
	amqpCfg := cfg.AMQP
	amqpCfg.OnConnection = func(broker string, up bool) {
		s.health.onConnection(broker, up)
		if cfg.AMQP.OnConnection != nil {
			cfg.AMQP.OnConnection(broker, up)
		}
	}
	if s.sub, err = amqpt.NewSubscriber(amqpCfg); err != nil {
		return nil, err
	}
	for _, b := range s.sub.Brokers() {
		s.health.addBroker(b.Name)
	}
	s.router, err = message.NewRouter(message.RouterConfig{CloseTimeout: cfg.ShutdownTimeout}, wl)
	if err != nil {
		return nil, err
	}
	s.health.router = s.router
	s.reg = s.newRegistrar()
	s.lag = metrics.NewLagCollector(s.js)
	s.lag.Logger = s.log
	s.metrics.Registry.MustRegister(s.health, s.lag)
	for _, topic := range cfg.Topics {
		if err := s.addBridge(topic); err != nil {
			return nil, err
		}
	}
	if !cfg.BridgeOnly {
		if err := s.addProcessing(); err != nil {
			return nil, err
		}
	}
	for _, rt := range cfg.Routes {
		if err := s.AddRoute(rt); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// StreamRetryWindow bounds how long New retries creating a stream while
// JetStream cannot answer yet: a cluster still electing its meta leader, or
// several meterflow processes creating the replicated streams at once.
const StreamRetryWindow = 60 * time.Second

// ensureStream creates or updates a stream, retrying for up to
// StreamRetryWindow on errors that mean JetStream is not ready yet
// (timeouts, no responders). Any other error is returned at once.
func (s *Service) ensureStream(ctx context.Context, sc jst.StreamConfig) error {
	deadline := time.Now().Add(StreamRetryWindow)
	for wait := 250 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		_, err := jst.EnsureStream(ctx, s.js, sc)
		if err == nil || !jetStreamNotReady(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		s.log.Warn("JetStream not ready, retrying", "stream", sc.Name, "error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// jetStreamNotReady reports whether err means JetStream did not answer (yet)
// rather than refused.
func jetStreamNotReady(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		jetStreamUnavailable(err)
}

// jetStreamUnavailable: "JetStream system temporarily unavailable" (API
// error 10008), what a cluster answers before it elected its meta leader.
func jetStreamUnavailable(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == 10008
}

// natsAsyncError logs and counts what nats.go reports asynchronously: above
// all a subscription dropping messages as a slow consumer, which JetStream
// then redelivers only after AckWait, a stall that would otherwise go
// unexplained.
func (s *Service) natsAsyncError(_ *nats.Conn, sub *nats.Subscription, err error) {
	subject := ""
	if sub != nil {
		subject = sub.Subject
	}
	s.log.Warn("NATS asynchronous error", "error", err, "subject", subject)
	s.metrics.NATSAsyncError(errors.Is(err, nats.ErrSlowConsumer))
}

func (s *Service) connectNATS() error {
	var err error
	onError := jst.WithNATSOptions(nats.ErrorHandler(s.natsAsyncError))
	if s.cfg.NATSURL != "" {
		s.nc, err = jst.Connect(s.cfg.NATSURL, append(slices.Clone(s.cfg.NATSOptions), onError)...)
		if err != nil {
			return fmt.Errorf("connect to NATS: %w", err)
		}
		return nil
	}
	if s.cfg.Server.DataDir == "" {
		return errors.New("embedded JetStream needs a data directory (--data)")
	}
	if s.cfg.Server.Logger == nil {
		// the embedded server's notices (its banner, its config) are debug
		// output for meterflow; its warnings and errors stay as they are
		s.cfg.Server.Logger = watermill.NewSlogLoggerWithLevelMapping(s.log.With("component", "nats-server"),
			map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	}
	if s.server, err = jst.StartServer(s.cfg.Server); err != nil {
		return err
	}
	s.log.Info("embedded JetStream started", "url", s.server.ClientURL(), "data", s.cfg.Server.DataDir)
	s.nc, err = s.server.Connect(onError)
	return err
}

// addBridge registers the AMQP → NOTIFICATIONS route: dead-letter what can
// never be stored, retry what failed to store, then nack (RabbitMQ
// redelivers it; JetStream deduplicates it).
func (s *Service) addBridge(topic string) error {
	bridge := &routes.Bridge{Publisher: s.pub, MaxBodyBytes: s.cfg.MaxBodyBytes}
	_, err := s.addRoute("bridge-"+topic, "", "bridge", topic, s.sub, bridge.Handle, s.metrics.BridgeMiddleware)
	return err
}

// JetStream returns the service's JetStream context (for tests and tools).
func (s *Service) JetStream() jetstream.JetStream { return s.js }

// NATSURL returns the client URL of the embedded server, or "" with an
// external one.
func (s *Service) NATSURL() string {
	if s.server == nil {
		return ""
	}
	return s.server.ClientURL()
}

// Converted is how many notifications this process has converted.
func (s *Service) Converted() uint64 { return s.converted.Load() }

// AMQPConnected reports how many brokers are connected.
func (s *Service) AMQPConnected() int { return s.sub.Connected() }

// Run consumes until ctx is done, then shuts down gracefully: stop
// consuming, let in-flight messages finish and be acked, flush, close.
func (s *Service) Run(ctx context.Context) error {
	go s.serveHTTP()
	s.reloadMu.Lock()
	s.runCtx = ctx
	s.reloadMu.Unlock()
	err := s.router.Run(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// Metrics returns the service's metrics (its registry serves /metrics).
func (s *Service) Metrics() *metrics.Metrics { return s.metrics }

// Running is closed once the router runs.
func (s *Service) Running() chan struct{} { return s.router.Running() }

// Close stops the router (if running) and closes every connection.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.reloadMu.Lock()
		s.closing = true
		s.reloadMu.Unlock()
		if s.router != nil {
			s.closeErr = s.router.Close()
		}
		s.shutdownHTTP()
		s.closeTransports()
	})
	return s.closeErr
}

func (s *Service) closeTransports() {
	if s.sub != nil {
		_ = s.sub.Close()
	}
	if s.pub != nil {
		_ = s.pub.Close()
	}
	s.reloadMu.Lock()
	for _, d := range s.deliveries {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		_ = d.sink.Close(ctx)
		cancel()
	}
	s.reloadMu.Unlock()
	if s.reg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		_ = s.reg.Close(ctx)
		cancel()
	}
	if s.nc != nil {
		_ = s.nc.Drain()
		for i := 0; i < 100 && !s.nc.IsClosed(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if s.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		defer cancel()
		_ = s.server.Shutdown(ctx)
	}
}
