package jetstream_test

import (
	"context"
	"fmt"
	"os"

	"github.com/ThreeDotsLabs/watermill/message"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"meterflow/transport/jetstream"
)

// A single-binary setup: embedded server, the NOTIFICATIONS stream, a
// publisher deduplicating on the upstream message id, and a durable
// subscriber.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "meterflow-example")
	defer os.RemoveAll(dir)

	srv, err := jetstream.StartServer(jetstream.ServerConfig{DataDir: dir, InProcessOnly: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(ctx)
	nc, _ := srv.Connect()
	js, _ := natsjs.New(nc)

	if _, err := jetstream.EnsureStream(ctx, js, jetstream.StreamConfig{
		Name:     "NOTIFICATIONS",
		Subjects: []string{"notifications.>"},
		MaxBytes: 64 << 20, // the example's disk; the default is 10 GiB
	}); err != nil {
		fmt.Println(err)
		return
	}

	pub, _ := jetstream.NewPublisher(nc, jetstream.PublisherConfig{})
	defer pub.Close()
	msg := message.NewMessage("uuid-1", []byte(`{"event_type":"compute.instance.create.end"}`))
	msg.Metadata.Set(jetstream.MsgIDKey, "oslo-message-id-1")
	_ = pub.Publish("notifications.nova", msg)
	_ = pub.Publish("notifications.nova", msg.Copy()) // redelivered upstream: dropped
	fmt.Println("duplicates:", pub.Stats().Duplicates)

	sub, _ := jetstream.NewSubscriber(nc, jetstream.SubscriberConfig{Durable: "gnocchi"})
	defer sub.Close()
	messages, _ := sub.Subscribe(ctx, "notifications.>")
	m := <-messages
	fmt.Println(string(m.Payload))
	fmt.Println("seq:", m.Metadata.Get(jetstream.MetadataStreamSeq), "id:", m.Metadata.Get(jetstream.MetadataMsgID))
	m.Ack()

	// Output:
	// duplicates: 1
	// {"event_type":"compute.instance.create.end"}
	// seq: 1 id: oslo-message-id-1
}

// The bridge keeps many messages in flight and acks each upstream delivery
// only once JetStream has stored it.
func ExamplePublisher_PublishAsync() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "meterflow-example")
	defer os.RemoveAll(dir)
	srv, _ := jetstream.StartServer(jetstream.ServerConfig{DataDir: dir, InProcessOnly: true})
	defer srv.Shutdown(ctx)
	nc, _ := srv.Connect()
	js, _ := natsjs.New(nc)
	_, _ = jetstream.EnsureStream(ctx, js, jetstream.StreamConfig{Name: "N", Subjects: []string{"n.>"}, MaxBytes: 1 << 20})
	pub, _ := jetstream.NewPublisher(nc, jetstream.PublisherConfig{})
	defer pub.Close()

	type delivery struct {
		tag    uint64 // the AMQP delivery tag
		future *jetstream.PublishFuture
	}
	var inflight []delivery
	for tag := uint64(1); tag <= 3; tag++ {
		msg := message.NewMessage(fmt.Sprint("uuid-", tag), []byte("{}"))
		msg.Metadata.Set(jetstream.MsgIDKey, fmt.Sprint("amqp-", tag))
		f, err := pub.PublishAsync(ctx, "n.compute", msg)
		if err != nil {
			fmt.Println("nack", tag, err) // nothing was sent
			continue
		}
		inflight = append(inflight, delivery{tag, f})
	}
	for _, d := range inflight {
		if ack, err := d.future.Wait(ctx); err != nil {
			fmt.Println("nack", d.tag, err) // requeue upstream; the id makes a retry safe
		} else {
			fmt.Println("ack", d.tag, "stored at", ack.Sequence)
		}
	}
	// Output:
	// ack 1 stored at 1
	// ack 2 stored at 2
	// ack 3 stored at 3
}
