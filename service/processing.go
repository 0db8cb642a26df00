package service

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"meterflow/definitions"
	"meterflow/internal/wlog"
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
	wl := wlog.New(s.log)

	proc := &routes.Process{Definitions: &s.defs, Publisher: s.pub, Secret: s.cfg.Secret, Logger: s.log,
		OnConverted: func(*processors.Notification, *convert.Result) { s.converted.Add(1) },
		OnStored:    s.metrics.Produced,
		// headers and the JetStream envelope need a little room
		MaxMessageBytes: int(s.nc.MaxPayload()) - 8<<10}
	conc := s.cfg.ProcessConcurrency
	sub, err := jst.NewSubscriber(s.nc, jst.SubscriberConfig{
		Durable: ProcessDurable, Stream: StreamNotifications, Concurrency: conc,
		// twice what one process holds (buffer + workers): room for a
		// second process sharing the durable
		PullMaxMessages: conc, MaxAckPending: 2 * (conc + conc), Logger: wl,
	})
	if err != nil {
		return err
	}
	if _, err := s.addRoute("process", "", "process", routes.NotificationsPrefix+".>", sub, proc.Handle); err != nil {
		return err
	}
	s.lag.Add(metrics.Consumer{Stream: StreamNotifications, Durable: ProcessDurable})

	for _, spec := range deliverySpecs(defs) {
		d, err := s.addDelivery(spec)
		if err != nil {
			return err
		}
		s.deliveries[spec.key] = d
	}
	return nil
}

// deliveryKey identifies one delivery route: a publisher of a pipeline
// sink. A reload keeps the routes whose key it still finds.
type deliveryKey struct {
	kind  string // "samples" or "events"
	sink  string
	index int // of the publisher in the sink's publishers
	url   string
}

// deliverySpec is where a delivery route reads from and what it delivers to.
type deliverySpec struct {
	key             deliveryKey
	stream, subject string
	file            string // the pipeline file that declares it
}

// deliverySpecs lists the delivery routes the pipelines of defs need.
func deliverySpecs(defs *routes.Definitions) []deliverySpec {
	var specs []deliverySpec
	for _, tg := range []struct {
		kind, stream, prefix string
		cfg                  *pipeline.Config
	}{
		{"samples", StreamSamples, routes.SamplesPrefix, defs.Samples},
		{"events", StreamEvents, routes.EventsPrefix, defs.Events},
	} {
		for _, sink := range tg.cfg.Sinks {
			for i, pubURL := range sink.Publishers {
				specs = append(specs, deliverySpec{
					key:    deliveryKey{kind: tg.kind, sink: sink.Name, index: i, url: pubURL},
					stream: tg.stream, subject: tg.prefix + "." + routes.Token(sink.Name) + ".>",
					file: tg.cfg.File,
				})
			}
		}
	}
	return specs
}

// delivery is a running delivery route. handler is nil for a jetstream://
// publisher: its messages stay in their subjects.
type delivery struct {
	sink     sinks.Sink
	handler  *message.Handler
	sub      message.Subscriber
	unexpose func()
}

// stop stops the route, waiting up to timeout for its in-flight messages,
// then closes its subscriber and sink. Its durable consumer stays, with
// whatever backlog it has.
func (d *delivery) stop(timeout time.Duration) {
	if d.handler != nil {
		select {
		case <-d.handler.Started():
			d.handler.Stop()
			select {
			case <-d.handler.Stopped():
			case <-time.After(timeout):
			}
		default: // never started (Handler.Stop would panic)
		}
	}
	if d.sub != nil {
		_ = d.sub.Close()
	}
	if d.unexpose != nil {
		d.unexpose()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_ = d.sink.Close(ctx)
}

// addDelivery builds the sink of spec and registers its delivery route.
// A route added to a running router starts with the router's RunHandlers.
func (s *Service) addDelivery(spec deliverySpec) (_ *delivery, err error) {
	k := spec.key
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: sink %q: publisher %s: %w", spec.file, k.sink, sinks.Redact(k.url), err)
		}
	}()
	sk, err := sinks.New(k.url, sinks.Options{Logger: s.log.With("sink", k.sink), Secret: s.cfg.Secret, Name: k.sink,
		TransportURL: s.cfg.AMQP.Brokers[0], AMQPTLS: s.cfg.AMQP.TLS, GnocchiURL: s.cfg.GnocchiURL})
	if err != nil {
		return nil, err
	}
	d := &delivery{sink: sk}
	if _, ok := sk.(sinks.JetStream); ok {
		return d, nil // the messages stay in their subjects
	}
	defer func() {
		if err != nil {
			d.stop(s.cfg.ShutdownTimeout)
		}
	}()
	var handler message.NoPublishHandlerFunc
	name := fmt.Sprintf("%s-%s-%d", k.kind, routes.Token(k.sink), k.index)
	route := "sink-" + name
	dl := routes.NewDelivery(sk, s.cfg.SinkBatch, s.cfg.SinkBatchWait)
	dl.OnWrite = s.metrics.SinkObserver(route, k.sink)
	switch _, isSamples := sk.(sinks.SampleSink); {
	case k.kind == "samples" && isSamples:
		handler = dl.HandleSample
	case k.kind == "events":
		if _, ok := sk.(sinks.EventSink); !ok {
			return nil, fmt.Errorf("%s does not take events", sinks.Redact(k.url))
		}
		handler = dl.HandleEvent
	default:
		return nil, fmt.Errorf("%s does not take samples", sinks.Redact(k.url))
	}
	if d.unexpose, err = s.exposeSink(sk, k.sink, k.index); err != nil {
		return nil, err
	}
	conc := 2 * s.cfg.SinkBatch
	durable := "sink_" + name
	d.sub, err = jst.NewSubscriber(s.nc, jst.SubscriberConfig{
		Durable: durable, Stream: spec.stream, Concurrency: conc,
		// what one process holds: messages waiting out a nak delay count
		// against it, so a dead backend sees fewer, slower attempts
		PullMaxMessages: conc, Logger: wlog.New(s.log),
	})
	if err != nil {
		return nil, err
	}
	if d.handler, err = s.addRoute(route, k.sink, "sink."+routes.Token(k.sink), spec.subject, d.sub, handler); err != nil {
		return nil, err
	}
	if !s.lagged[durable] {
		s.lagged[durable] = true
		s.lag.Add(metrics.Consumer{Stream: spec.stream, Durable: durable})
	}
	return d, nil
}

// exposeSink registers the native exposition of a prometheus:// sink (its
// ceilometer_* series) on the service's registry, with a sink label (and a
// publisher label for a sink's second and later prometheus:// publishers)
// telling sinks apart.
func (s *Service) exposeSink(sk sinks.Sink, sinkName string, index int) (unexpose func(), err error) {
	ps, ok := sk.(*sinks.PrometheusSink)
	if !ok || ps.Collector() == nil {
		return nil, nil
	}
	labels := prometheus.Labels{"sink": sinkName}
	if index > 0 {
		labels["publisher"] = strconv.Itoa(index)
	}
	reg := prometheus.WrapRegistererWith(labels, s.metrics.Registry)
	if err := reg.Register(ps.Collector()); err != nil {
		return nil, fmt.Errorf("expose its series on /metrics: %w", err)
	}
	return func() { reg.Unregister(ps.Collector()) }, nil
}
