package routes

import (
	"github.com/ThreeDotsLabs/watermill/message"
)

// Destination is where a route's outputs go. Build one with Subject, Sink
// or Publish. The zero Destination takes no outputs: a handler that returns
// some fails permanently (its notification is dead-lettered).
type Destination struct {
	subject string            // Subject: on the Registrar's publisher
	sinkURL string            // Sink
	pub     message.Publisher // Publish
	topic   string
}

// Subject publishes outputs to a JetStream subject through the
// Registrar's publisher, each as one message (an output's own Subject is
// appended as more tokens). meterflow's service stores these subjects in
// the stream ROUTES, which it extends to cover subject and subject.> of
// every route it registers; a subject another stream already captures
// (notifications.>, samples.>, ...) is refused when the route is added.
func Subject(subject string) Destination { return Destination{subject: subject} }

// Sink hands outputs to the sink a publisher URL names, built with
// sinks.New and the Registrar's SinkOptions: the schemes of Ceilometer's
// pipelines (gnocchi://, prometheus://, file://, http(s)://, notifier://).
// Sample outputs go to PublishSamples and event outputs to PublishEvents,
// all of one notification in one call, without batching across
// notifications; the notification is acked once the sink took them. The
// sink's errors follow the sinks contract: a rejection for good
// dead-letters the notification, any other error retries it. Payload
// outputs are refused (ErrInvalidOutput).
func Sink(url string) Destination { return Destination{sinkURL: url} }

// Publish publishes outputs with any Watermill publisher on topic (an
// output's own Subject is appended as more tokens), e.g. a gochannel
// pub/sub in tests or another broker. The publisher should return only
// once the messages are stored, since the notification is acked then.
func Publish(pub message.Publisher, topic string) Destination {
	return Destination{pub: pub, topic: topic}
}

// IsZero reports whether d is unset.
func (d Destination) IsZero() bool { return d.subject == "" && d.sinkURL == "" && d.pub == nil }

// JetStreamSubject is the subject of a Subject destination, "" for the
// others: the subjects a stream must capture for the route to work.
func (d Destination) JetStreamSubject() string { return d.subject }

// SinkURL is the publisher URL of a Sink destination, "" for the others.
func (d Destination) SinkURL() string { return d.sinkURL }
