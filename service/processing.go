package service

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"meterflow/definitions"
	"meterflow/metrics"
	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/processors/pipeline"
	"meterflow/routes"
	"meterflow/sinks"
	jst "meterflow/transport/jetstream"
)

// Where Ceilometer looks for an operator's pipelines first.
const (
	EtcPipeline      = "/etc/ceilometer/pipeline.yaml"
	EtcEventPipeline = "/etc/ceilometer/event_pipeline.yaml"
)

// LoadDefinitions loads what the processing route needs: the converter and
// both pipelines. Every error names its file (and line, field).
func LoadDefinitions(cfg Config) (*routes.Definitions, error) {
	conv, err := convert.Load(cfg.Convert)
	if err != nil {
		return nil, err
	}
	samples, err := LoadPipeline(cfg, pipeline.Samples)
	if err != nil {
		return nil, err
	}
	events, err := LoadPipeline(cfg, pipeline.Events)
	if err != nil {
		return nil, err
	}
	return &routes.Definitions{Converter: conv, Samples: samples, Events: events}, nil
}

// LoadPipeline loads pipeline.yaml (kind Samples) or event_pipeline.yaml
// (Events) with Ceilometer's precedence: the configured file, else
// /etc/ceilometer's, else the shipped one.
func LoadPipeline(cfg Config, kind pipeline.Kind) (*pipeline.Config, error) {
	file, etc, shipped := cfg.PipelineFile, EtcPipeline, definitions.Pipeline
	if kind == pipeline.Events {
		file, etc, shipped = cfg.EventPipelineFile, EtcEventPipeline, definitions.EventPipeline
	}
	if file != "" {
		return pipeline.LoadFile(file, kind)
	}
	if !cfg.Convert.NoEtc {
		if st, err := os.Stat(etc); err == nil && !st.IsDir() {
			return pipeline.LoadFile(etc, kind)
		}
	}
	return pipeline.LoadFS(definitions.Ceilometer, shipped, kind)
}

// addProcessing registers the processing route (NOTIFICATIONS → convert →
// per-sink subjects) and one delivery route per publisher of every
// pipeline sink.
func (s *Service) addProcessing() error {
	defs, err := LoadDefinitions(s.cfg)
	if err != nil {
		return err
	}
	for _, skipped := range defs.Converter.Skipped {
		s.log.Warn("meter definition skipped", "error", skipped)
	}
	s.defs.Store(defs)
	wlog := watermill.NewSlogLogger(s.log)

	proc := &routes.Process{Definitions: &s.defs, Publisher: s.pub, Secret: s.cfg.Secret, Logger: s.log,
		OnConverted: func(*processors.Notification, *convert.Result) { s.converted.Add(1) },
		OnStored:    s.metrics.Produced,
		// headers and the JetStream envelope need a little room
		MaxMessageBytes: int(s.nc.MaxPayload()) - 8<<10}
	conc := s.cfg.ProcessConcurrency
	sub, err := jst.NewSubscriber(s.nc, jst.SubscriberConfig{
		Durable: ProcessDurable, Stream: StreamNotifications, Concurrency: conc,
		MaxAckPending: 4 * conc, PullMaxMessages: conc, Logger: wlog,
	})
	if err != nil {
		return err
	}
	if err := s.addRoute("process", "", "process", routes.NotificationsPrefix+".>", sub, proc.Handle); err != nil {
		return err
	}
	s.lag.Add(metrics.Consumer{Stream: StreamNotifications, Durable: ProcessDurable})

	type target struct {
		kind    string
		cfg     *pipeline.Config
		stream  string
		subject func(sink string) string
	}
	for _, tg := range []target{
		{"samples", defs.Samples, StreamSamples, func(k string) string { return routes.SamplesPrefix + "." + routes.Token(k) + ".>" }},
		{"events", defs.Events, StreamEvents, func(k string) string { return routes.EventsPrefix + "." + routes.Token(k) + ".>" }},
	} {
		for _, sink := range tg.cfg.Sinks {
			for i, pubURL := range sink.Publishers {
				if err := s.addDelivery(tg.kind, tg.stream, tg.subject(sink.Name), sink.Name, i, pubURL); err != nil {
					return fmt.Errorf("%s: sink %q: publisher %s: %w", tg.cfg.File, sink.Name, sinks.Redact(pubURL), err)
				}
			}
		}
	}
	return nil
}

func (s *Service) addDelivery(kind, stream, subject, sinkName string, index int, pubURL string) error {
	sk, err := sinks.New(pubURL, sinks.Options{Logger: s.log.With("sink", sinkName), Secret: s.cfg.Secret, Name: sinkName,
		TransportURL: s.cfg.AMQP.Brokers[0], GnocchiURL: s.cfg.GnocchiURL})
	if err != nil {
		return err
	}
	if _, ok := sk.(sinks.JetStream); ok {
		return nil // the messages stay in their subjects
	}
	var handler message.NoPublishHandlerFunc
	name := fmt.Sprintf("%s-%s-%d", kind, routes.Token(sinkName), index)
	route := "sink-" + name
	d := routes.NewDelivery(sk, s.cfg.SinkBatch, s.cfg.SinkBatchWait)
	d.OnWrite = s.metrics.SinkObserver(route, sinkName)
	switch _, isSamples := sk.(sinks.SampleSink); {
	case kind == "samples" && isSamples:
		handler = d.HandleSample
	case kind == "events":
		if _, ok := sk.(sinks.EventSink); !ok {
			return fmt.Errorf("%s does not take events", sinks.Redact(pubURL))
		}
		handler = d.HandleEvent
	default:
		return fmt.Errorf("%s does not take samples", sinks.Redact(pubURL))
	}
	s.sinks = append(s.sinks, sk)
	if err := s.exposeSink(sk, sinkName, index); err != nil {
		return err
	}
	conc := 2 * s.cfg.SinkBatch
	sub, err := jst.NewSubscriber(s.nc, jst.SubscriberConfig{
		Durable: "sink_" + name, Stream: stream, Concurrency: conc, MaxAckPending: 2 * conc,
		PullMaxMessages: conc, Logger: watermill.NewSlogLogger(s.log),
	})
	if err != nil {
		return err
	}
	if err := s.addRoute(route, sinkName, "sink."+routes.Token(sinkName), subject, sub, handler); err != nil {
		return err
	}
	s.lag.Add(metrics.Consumer{Stream: stream, Durable: "sink_" + name})
	return nil
}

// exposeSink registers the native exposition of a prometheus:// sink (its
// ceilometer_* series) on the service's registry, with a sink label (and a
// publisher label for a sink's second and later prometheus:// publishers)
// telling sinks apart.
func (s *Service) exposeSink(sk sinks.Sink, sinkName string, index int) error {
	ps, ok := sk.(*sinks.PrometheusSink)
	if !ok || ps.Collector() == nil {
		return nil
	}
	labels := prometheus.Labels{"sink": sinkName}
	if index > 0 {
		labels["publisher"] = strconv.Itoa(index)
	}
	if err := prometheus.WrapRegistererWith(labels, s.metrics.Registry).Register(ps.Collector()); err != nil {
		return fmt.Errorf("expose its series on /metrics: %w", err)
	}
	return nil
}

// addRoute registers a handler with meterflow's middleware: count and time
// every message by outcome (labelled by route name and sink, "" for the
// bridge and process routes), then the route's own outer middleware
// (extra), dead-letter what can never succeed (on deadletter.<deadLetter>),
// turn panics into dead letters, retry the rest with backoff before
// nacking.
func (s *Service) addRoute(name, sink, deadLetter, topic string, sub message.Subscriber, h message.NoPublishHandlerFunc, extra ...message.HandlerMiddleware) error {
	dl, err := routes.DeadLetter(s.pub, deadLetter)
	if err != nil {
		return err
	}
	handler := s.router.AddConsumerHandler(name, topic, sub, h)
	handler.AddMiddleware(s.metrics.HandlerMiddleware(name, sink))
	handler.AddMiddleware(extra...)
	handler.AddMiddleware(
		dl,
		routes.RecoverAsPermanent,
		middleware.Retry{
			MaxRetries:      3,
			InitialInterval: 100 * time.Millisecond,
			MaxInterval:     2 * time.Second,
			Multiplier:      2,
			ShouldRetry:     func(p middleware.RetryParams) bool { return !routes.IsPermanent(p.Err) },
			OnRetryHook:     s.metrics.OnRetry(name, sink),
			Logger:          watermill.NewSlogLogger(s.log),
		}.Middleware,
	)
	return nil
}
