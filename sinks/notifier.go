package sinks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wamqp "github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/processors"
	"meterflow/processors/jsonv"
	otransport "meterflow/transport/amqp"
)

// NewNotifier builds the notifier:// sink, Ceilometer's NotifierPublisher:
// samples and events are republished to RabbitMQ as oslo.messaging
// notifications, for another Ceilometer (or meterflow) to consume.
//
//	notifier://user:pass@rabbit:5672/vhost?topic=metering&per_meter_topic=1
//
// As in Ceilometer the URL's scheme is replaced by driver (rabbit, the only
// one supported; kombu is its alias) to make the oslo transport URL (?ssl=1
// for TLS, with Options.AMQPTLS and the TLS files the URL names; hosts
// h1,h2 are tried in order). A URL without a host publishes to
// Options.TransportURL, as Ceilometer falls back to its transport_url.
// Options:
//
//   - topic: the oslo topic, repeatable. Default: metering for samples,
//     event for events. A notification goes to exchange <exchange> with
//     routing key <topic>.sample.
//   - per_meter_topic: 1 also sends each meter's samples in a notification
//     of event_type metering.<counter_name>. Default: 0.
//   - policy: drop acknowledges a batch RabbitMQ did not take (it is lost,
//     as in Ceilometer); default and queue return a retryable error.
//   - max_queue_length, max_retry: checked and ignored (meterflow's route
//     retries instead).
//   - exchange (meterflow): the control exchange. Default: ceilometer.
//   - amqp_durable_queues (meterflow): oslo's option of that name, for the
//     exchange and queues the sink creates. Default: False.
//
// Each batch is one notification in oslo.messaging's messagingv2 format:
// {"oslo.version": "2.0", "oslo.message": "<JSON>"} where the message has
// message_id, publisher_id "telemetry.publisher.<hostname>", event_type
// "metering" (samples) or "event" (events), priority "SAMPLE", payload (the
// list of signed meter or event messages, see processors.MeterMessage and
// processors.EventMessage, signed with Options.Secret), timestamp and
// _unique_id; content type application/json, persistent delivery.
//
// Like oslo.messaging the sink declares the exchange (topic) and a default
// queue <topic>.sample bound to it, so that nothing is lost before a
// consumer comes; unlike it, it first checks passively and uses what exists
// as it is, so an exchange or queue declared durable (or as a quorum queue)
// does not fail. Publishing uses publisher confirms: nil means RabbitMQ
// confirmed every notification. The connection is made at the first publish
// and re-made by Watermill when it drops.
func NewNotifier(u *url.URL, opts Options) (Sink, error) {
	opts.setDefaults()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %q: %s", ErrInvalidURL, Redact(u.String()), fmt.Sprintf(format, a...))
	}
	if u.Host == "" && opts.TransportURL == "" {
		return nil, bad("notifier:// needs the broker's host (notifier://user:pass@host:5672/?topic=metering) or Options.TransportURL")
	}
	if u.User != nil {
		// url.Parse reads oslo's u:p@h1:5672,u:p@h2:5672 as user
		// "u:p@h1:5672,u:p" on host h2:5672.
		pass, _ := u.User.Password()
		if info := u.User.Username() + pass; strings.Contains(info, "@") && strings.Contains(info, ",") {
			return nil, bad("several hosts with ports or credentials cannot be parsed here: give one host (or hosts without port or credentials: h1,h2)")
		}
	}
	q := parsePyQuery(u.RawQuery)
	s := &notifierSink{
		exchange: "ceilometer",
		secret:   opts.Secret,
		log:      opts.Logger.With("sink", opts.Name),
	}
	s.topics = q.vals["topic"]
	driver := "rabbit"
	if v := q.vals["driver"]; len(v) > 0 {
		driver = v[0]
	}
	if driver != "rabbit" && driver != "kombu" {
		return nil, bad("driver %q: only rabbit (oslo.messaging's RabbitMQ driver) is supported", driver)
	}
	last := func(name string) (string, bool) {
		v := q.vals[name]
		if len(v) == 0 {
			return "", false
		}
		return v[len(v)-1], true
	}
	for _, name := range []string{"per_meter_topic", "max_queue_length", "max_retry"} {
		if v, ok := last(name); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return nil, bad("%s must be an integer, not %q", name, v)
			}
			if name == "per_meter_topic" {
				s.perMeterTopic = n != 0
			}
		}
	}
	if v, ok := last("policy"); ok {
		switch v {
		case "default", "queue":
		case "drop":
			s.drop = true
		default:
			s.log.Warn("notifier sink: unknown publishing policy, using default", "policy", v)
		}
	}
	if v, ok := last("exchange"); ok {
		s.exchange = v
	}
	if v, ok := last("amqp_durable_queues"); ok {
		s.durable = strutilsBool(v)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	userinfo := ""
	if u.User != nil {
		userinfo = u.User.String() + "@"
	}
	transportURL := "rabbit://" + userinfo + u.Host + path
	if u.RawQuery != "" {
		transportURL += "?" + u.RawQuery
	}
	if u.Host == "" {
		// a bare notifier:// publishes to the default broker, as
		// Ceilometer falls back to its transport_url
		transportURL = opts.TransportURL
	}
	broker, err := otransport.ParseTransportURL(transportURL)
	if err != nil {
		return nil, bad("%v", err)
	}
	s.hosts, s.broker, s.tls = broker.Hosts, broker, opts.AMQPTLS
	if broker.TLS {
		// a missing or unreadable TLS file fails at load time, not at the
		// first sample
		if _, err := broker.TLSConfig(s.tls, broker.Hosts[0]); err != nil {
			return nil, bad("%v", err)
		}
	}
	host, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("notifier sink: %w", err)
	}
	s.publisherID = "telemetry.publisher." + host
	return s, nil
}

type notifierSink struct {
	hosts         []string // amqp:// URIs, tried in order
	broker        otransport.Broker
	tls           *tls.Config // base of amqps:// hosts' TLS configuration
	topics        []string    // nil: metering or event
	exchange      string
	durable       bool
	perMeterTopic bool
	drop          bool
	secret        string
	publisherID   string
	log           *slog.Logger

	mu   sync.Mutex
	conn *wamqp.ConnectionWrapper
	pub  *wamqp.Publisher
	// declared lists the topics whose queue was declared and bound on
	// declaredOn; a new connection (a reconnection) starts it over.
	declaredOn *amqp.Connection
	declared   map[string]bool
	closed     bool
}

// PublishSamples sends the samples as one notification of event_type
// "metering" (and, with per_meter_topic, one per meter).
func (s *notifierSink) PublishSamples(ctx context.Context, samples []processors.Sample) error {
	if len(samples) == 0 {
		return nil
	}
	meters := make([]any, len(samples))
	for i := range samples {
		meters[i] = processors.MeterMessage(&samples[i], s.secret)
	}
	notes := []*jsonv.Object{s.notification("metering", meters)}
	if s.perMeterTopic {
		sorted := make([]any, len(meters))
		copy(sorted, meters)
		name := func(m any) string { v, _ := m.(*jsonv.Object).Get("counter_name"); return v.(string) }
		sort.SliceStable(sorted, func(i, j int) bool { return name(sorted[i]) < name(sorted[j]) })
		for start := 0; start < len(sorted); {
			end := start + 1
			for end < len(sorted) && name(sorted[end]) == name(sorted[start]) {
				end++
			}
			notes = append(notes, s.notification("metering."+name(sorted[start]), sorted[start:end]))
			start = end
		}
	}
	return s.send(ctx, s.topicsOr("metering"), notes)
}

// PublishEvents sends the events as one notification of event_type "event".
func (s *notifierSink) PublishEvents(ctx context.Context, events []processors.Event) error {
	if len(events) == 0 {
		return nil
	}
	msgs := make([]any, len(events))
	for i := range events {
		msgs[i] = processors.EventMessage(&events[i], s.secret)
	}
	return s.send(ctx, s.topicsOr("event"), []*jsonv.Object{s.notification("event", msgs)})
}

// Close waits for publishes in flight and closes the connection.
func (s *notifierSink) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	pub, conn := s.pub, s.conn
	s.pub, s.conn = nil, nil
	s.mu.Unlock()
	if pub == nil {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- errors.Join(pub.Close(), conn.Close()) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *notifierSink) topicsOr(def string) []string {
	if len(s.topics) > 0 {
		return s.topics
	}
	return []string{def}
}

// notification is the message oslo.messaging's Notifier.sample({},
// event_type, payload) makes.
func (s *notifierSink) notification(eventType string, payload []any) *jsonv.Object {
	m := jsonv.NewObject(7)
	m.Set("message_id", uuid.NewString())
	m.Set("publisher_id", s.publisherID)
	m.Set("event_type", eventType)
	m.Set("priority", "SAMPLE")
	m.Set("payload", payload)
	m.Set("timestamp", pyUTCNow(time.Now()))
	return m
}

// envelope is the body the messagingv2 driver sends for one topic: the
// message with a fresh _unique_id (listeners drop a _unique_id they have
// seen, so each topic's copy has its own, as in oslo.messaging), as a JSON
// string in the 2.0 envelope.
func envelope(m *jsonv.Object) []byte {
	m.Set("_unique_id", strings.ReplaceAll(uuid.NewString(), "-", ""))
	env := jsonv.NewObject(2)
	env.Set("oslo.version", "2.0")
	env.Set("oslo.message", string(appendPyJSON(nil, m)))
	return appendPyJSON(nil, env)
}

// pyUTCNow is str(timeutils.utcnow()): 2026-11-02 10:01:07.009973, without
// the fraction when it is zero.
func pyUTCNow(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// send publishes every notification to every topic's routing key, each
// confirmed.
func (s *notifierSink) send(ctx context.Context, topics []string, notes []*jsonv.Object) error {
	err := s.publish(ctx, topics, notes)
	if err == nil {
		return nil
	}
	if s.drop && ctx.Err() == nil {
		s.log.Warn("notifier sink: failed to publish, dropping (policy=drop)", "notifications", len(notes), "err", err)
		return nil
	}
	return err
}

func (s *notifierSink) publish(ctx context.Context, topics []string, notes []*jsonv.Object) error {
	pub, err := s.ready(topics)
	if err != nil {
		return err
	}
	for _, topic := range topics {
		msgs := make([]*message.Message, len(notes))
		for i, n := range notes {
			msgs[i] = message.NewMessage(watermill.NewUUID(), envelope(n))
			msgs[i].SetContext(ctx)
		}
		done := make(chan error, 1)
		go func() { done <- pub.Publish(topic+".sample", msgs...) }()
		select {
		case err = <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			s.mu.Lock()
			s.declaredOn = nil // the exchange or a queue may be gone: check again
			s.mu.Unlock()
			return fmt.Errorf("notifier sink: publish to exchange %q with routing key %q: %w", s.exchange, topic+".sample", err)
		}
	}
	return nil
}

// ready connects at the first call and declares the exchange and the
// topics' queues once per connection.
func (s *notifierSink) ready(topics []string) (*wamqp.Publisher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("notifier sink: closed")
	}
	if s.pub == nil {
		if err := s.connect(); err != nil {
			return nil, err
		}
	}
	if !s.conn.IsConnected() {
		return nil, errors.New("notifier sink: not connected to RabbitMQ (reconnecting)")
	}
	conn := s.conn.Connection()
	if conn != s.declaredOn {
		s.declaredOn, s.declared = conn, map[string]bool{}
	}
	var missing []string
	for _, t := range topics {
		if !s.declared[t] {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		if err := s.declare(conn, missing); err != nil {
			s.declaredOn = nil
			return nil, fmt.Errorf("notifier sink: %w", err)
		}
		for _, t := range missing {
			s.declared[t] = true
		}
	}
	return s.pub, nil
}

func (s *notifierSink) connect() error {
	// Watermill's connection chatter is debug; its errors stay errors.
	logger := watermill.NewSlogLoggerWithLevelMapping(s.log, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	cfg := wamqp.Config{
		Marshaler: osloMarshaler{},
		Exchange: wamqp.ExchangeConfig{
			GenerateName: wamqp.GenerateExchangeNameConstant(s.exchange),
			Type:         "topic",
			Durable:      s.durable,
		},
		Publish: wamqp.PublishConfig{
			GenerateRoutingKey: func(topic string) string { return topic },
			ConfirmDelivery:    true,
		},
		TopologyBuilder: noTopology{},
	}
	var errs []error
	for _, uri := range s.hosts {
		amqpCfg := &amqp.Config{
			Heartbeat:  10 * time.Second,
			Locale:     "en_US",
			Dial:       amqp.DefaultDial(10 * time.Second),
			Properties: amqp.Table{"connection_name": "meterflow notifier sink " + s.publisherID},
		}
		if s.broker.TLS {
			tlsCfg, err := s.broker.TLSConfig(s.tls, uri)
			if err != nil {
				return processors.Permanent(fmt.Errorf("notifier sink: %w", err))
			}
			amqpCfg.TLSClientConfig = tlsCfg
		}
		conn, err := wamqp.NewConnection(wamqp.ConnectionConfig{
			AmqpURI:    uri,
			AmqpConfig: amqpCfg,
			Reconnect:  wamqp.DefaultReconnectConfig(),
		}, logger)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pub, err := wamqp.NewPublisherWithConnection(cfg, logger, conn)
		if err != nil {
			conn.Close()
			return processors.Permanent(fmt.Errorf("notifier sink: %w", err))
		}
		s.conn, s.pub = conn, pub
		return nil
	}
	return fmt.Errorf("notifier sink: %w", errors.Join(errs...))
}

// declare makes sure the exchange exists and each topic's default queue
// <topic>.sample exists and is bound to it with its own name.
func (s *notifierSink) declare(conn *amqp.Connection, topics []string) error {
	if err := otransport.DeclarePassiveFirst(conn, func(ch *amqp.Channel) error {
		return ch.ExchangeDeclarePassive(s.exchange, "topic", s.durable, false, false, false, nil)
	}, func(ch *amqp.Channel) error {
		return ch.ExchangeDeclare(s.exchange, "topic", s.durable, false, false, false, nil)
	}); err != nil {
		return fmt.Errorf("declare exchange %q: %w", s.exchange, err)
	}
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	for _, topic := range topics {
		queue := topic + ".sample"
		if err := otransport.DeclarePassiveFirst(conn, func(ch *amqp.Channel) error {
			_, err := ch.QueueDeclarePassive(queue, s.durable, false, false, false, nil)
			return err
		}, func(ch *amqp.Channel) error {
			_, err := ch.QueueDeclare(queue, s.durable, false, false, false, nil)
			return err
		}); err != nil {
			return fmt.Errorf("declare queue %q: %w", queue, err)
		}
		if err := ch.QueueBind(queue, queue, s.exchange, false, nil); err != nil {
			return fmt.Errorf("bind queue %q to exchange %q: %w", queue, s.exchange, err)
		}
	}
	return nil
}

// osloMarshaler sends a message's payload with the properties kombu gives
// oslo.messaging's notifications.
type osloMarshaler struct{}

func (osloMarshaler) Marshal(msg *message.Message) (amqp.Publishing, error) {
	return amqp.Publishing{
		Headers:         amqp.Table{},
		ContentType:     "application/json",
		ContentEncoding: "utf-8",
		DeliveryMode:    amqp.Persistent,
		Body:            msg.Payload,
	}, nil
}

func (osloMarshaler) Unmarshal(d amqp.Delivery) (*message.Message, error) {
	return message.NewMessage(d.MessageId, d.Body), nil
}

// noTopology leaves declaring to the sink, which checks passively first
// and declares again after a reconnection.
type noTopology struct{}

func (noTopology) ExchangeDeclare(*amqp.Channel, string, wamqp.Config) error { return nil }

func (noTopology) BuildTopology(*amqp.Channel, wamqp.BuildTopologyParams, wamqp.Config, watermill.LoggerAdapter) error {
	return nil
}
