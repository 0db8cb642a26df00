package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/routes"
	"meterflow/service"
	jst "meterflow/transport/jetstream"
)

// Sizes of the storage floor's sample and event messages: about the mean
// size of the sample and event messages meterflow writes for the corpus.
const (
	floorSampleBytes = 700
	floorEventBytes  = 1100
)

// storageQueue is the queue the storage floor drains, bound to a topic of
// its own (storageTopic) so that its preload goes nowhere else.
func (b *run) storageQueue() string { return b.prefix + ".storage" }
func (b *run) storageTopic() string { return b.topic + "_storage" }

// embedded starts an embedded JetStream storing in dir (under the run's
// temp dir) and connects to it in-process; stop closes both.
func (b *run) embedded(dir string) (nc *nats.Conn, stop func(), err error) {
	srv, err := jst.StartServer(jst.ServerConfig{DataDir: filepath.Join(b.dir, dir), ListenAddr: "127.0.0.1:0"})
	if err != nil {
		return nil, nil, err
	}
	if nc, err = srv.Connect(); err != nil {
		_ = srv.Shutdown(context.Background())
		return nil, nil, err
	}
	return nc, func() {
		nc.Close()
		_ = srv.Shutdown(context.Background())
	}, nil
}

// storageFloor measures, in this process and without any of meterflow's
// code, the least work the design asks for each notification: store it in
// a JetStream log and store one sample and one event for it in two more
// streams, with meterflow's guarantees (every message deduplicated by its
// Nats-Msg-Id, the AMQP delivery acked only once JetStream stored the
// notification, the notification acked on the log only once its sample and
// event are stored). An amqp091 consumer publishes each delivery to an
// embedded JetStream (the service's stream configuration, in-process
// connection) asynchronously and multiple-acks the deliveries in order as
// their publish acks arrive; a pull consumer on the log publishes a fixed
// sample and event per notification asynchronously and acks the
// notification when both are stored. No envelope check, no parsing, no
// conversion, no router, no metrics. Its rate against the raw consumer's is
// the most the whole path could reach with this design on this machine.
func (b *run) storageFloor(ctx context.Context, p *Phase) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := b.cfg.N
	start := time.Now()

	nc, stop, err := b.embedded("storage")
	if err != nil {
		return err
	}
	defer stop()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4000))
	if err != nil {
		return err
	}
	streams := []jst.StreamConfig{
		{Name: service.StreamNotifications, Subjects: []string{routes.NotificationsPrefix + ".>"}},
		{Name: service.StreamSamples, Subjects: []string{routes.SamplesPrefix + ".>"}},
		{Name: service.StreamEvents, Subjects: []string{routes.EventsPrefix + ".>"}},
	}
	for _, sc := range streams {
		if _, err := jst.EnsureStream(ctx, js, sc); err != nil {
			return err
		}
	}

	var failed atomic.Pointer[error]
	fail := func(err error) {
		failed.CompareAndSwap(nil, &err)
		cancel()
	}

	// The log's consumer: a sample and an event per notification, each
	// notification acked once both are stored, in order, by one goroutine.
	cons, err := js.CreateOrUpdateConsumer(ctx, service.StreamNotifications, jetstream.ConsumerConfig{
		Durable: "storage-floor", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 2000})
	if err != nil {
		return err
	}
	type awaitingAck struct {
		msg           jetstream.Msg
		sample, event jetstream.PubAckFuture
	}
	toAck := make(chan awaitingAck, 2000)
	done := make(chan struct{})
	go func() {
		acked := 0
		for {
			var c awaitingAck
			select {
			case c = <-toAck:
			case <-ctx.Done():
				return
			}
			for _, f := range []jetstream.PubAckFuture{c.sample, c.event} {
				select {
				case <-f.Ok():
				case err := <-f.Err():
					fail(fmt.Errorf("store a sample or event: %w", err))
					return
				}
			}
			if err := c.msg.Ack(); err != nil {
				fail(err)
				return
			}
			if acked++; acked == n {
				close(done)
			}
		}
	}()
	sample, event := make([]byte, floorSampleBytes), make([]byte, floorEventBytes)
	sampleSubject, eventSubject := routes.SampleSubject("floor", "meter"), routes.EventSubject("floor", "event")
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			fail(err)
			return
		}
		seq := strconv.FormatUint(md.Sequence.Stream, 10)
		fs, err := js.PublishMsgAsync(&nats.Msg{Subject: sampleSubject, Data: sample,
			Header: nats.Header{jetstream.MsgIDHeader: {"s" + seq}}})
		if err != nil {
			fail(err)
			return
		}
		fe, err := js.PublishMsgAsync(&nats.Msg{Subject: eventSubject, Data: event,
			Header: nats.Header{jetstream.MsgIDHeader: {"e" + seq}}})
		if err != nil {
			fail(err)
			return
		}
		select {
		case toAck <- awaitingAck{m, fs, fe}:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(500))
	if err != nil {
		return err
	}
	defer cc.Stop()

	// The bridge: each delivery stored in the log, the deliveries acked
	// in order with a multiple-ack every 100 or when the acks catch up.
	conn, ch, err := b.bareChannel()
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := ch.Qos(1000, 0, false); err != nil {
		return err
	}
	deliveries, err := ch.Consume(b.storageQueue(), "", false, false, false, false, nil)
	if err != nil {
		return err
	}
	type bridged struct {
		tag uint64
		f   jetstream.PubAckFuture
	}
	stored := make(chan bridged, 1000)
	go func() {
		defer close(stored)
		for i := 0; i < n; i++ {
			var d amqp.Delivery
			select {
			case d = <-deliveries:
			case <-ctx.Done():
				return
			}
			f, err := js.PublishMsgAsync(&nats.Msg{Subject: routes.NotificationsPrefix + "." + d.RoutingKey, Data: d.Body,
				Header: nats.Header{jetstream.MsgIDHeader: {"n" + strconv.FormatUint(d.DeliveryTag, 10)}}})
			if err != nil {
				fail(err)
				return
			}
			stored <- bridged{d.DeliveryTag, f}
		}
	}()
	go func() {
		unacked := 0
		for s := range stored {
			select {
			case <-s.f.Ok():
			case err := <-s.f.Err():
				fail(fmt.Errorf("store a notification: %w", err))
				return
			}
			if unacked++; unacked >= 100 || len(stored) == 0 {
				if err := ch.Ack(s.tag, true); err != nil {
					fail(err)
					return
				}
				unacked = 0
			}
		}
	}()

	select {
	case <-done:
	case <-ctx.Done():
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("not all %d notifications stored and acked within 5 minutes", n)
	}
	if err := failed.Load(); err != nil {
		return *err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.Elapsed = time.Since(start)
	// A delivery nats.go dropped comes back after AckWait (30 s): the
	// figure is then no floor.
	if ci, err := cons.Info(ctx); err == nil && ci.NumRedelivered > 0 {
		b.progress("warning: the storage floor waited for %d redelivered notifications; its time is not a floor", ci.NumRedelivered)
	}
	for _, sc := range streams {
		got, err := streamMsgs(ctx, js, sc.Name)
		if err != nil {
			return err
		}
		if got != uint64(n) {
			return fmt.Errorf("%s holds %d messages, want %d", sc.Name, got, n)
		}
	}
	p.Notifications, p.Samples, p.Events = uint64(n), uint64(n), uint64(n)
	return nil
}
