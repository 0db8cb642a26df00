package routes

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
)

// Route is one flow of meterflow: where messages come from, which
// notifications it takes, what it makes of them and where that goes. A
// Registrar adds it to the router with meterflow's middleware; meterflow's
// own routes (the bridge, the processing route, every sink delivery) are
// Routes too.
//
// A route is either a notification route (Handler, with optional Match and
// To) or a raw one (Consume), which handles every message of From as it
// is and publishes whatever it needs itself.
type Route struct {
	// Name identifies the route: it labels its metrics, names its dead
	// letters (see DeadLetter) and, with the default From, its durable
	// consumer "route_<Name>" on NOTIFICATIONS. It must be unique on the
	// router; with the default From it must also be a valid JetStream
	// consumer name (no white space, '.', '*', '>' or path separators).
	// Required.
	Name string

	// From is where the route reads. Default: the NOTIFICATIONS log through
	// the durable consumer "route_<Name>", filtered by Match.Subject(),
	// starting at the oldest stored notification.
	From Source

	// Match selects the notifications Handler sees; the others are acked
	// untouched. Default: every notification.
	Match Matcher

	// Handler turns each matched notification into outputs.
	// Required unless Consume is set.
	Handler Handler

	// To is where outputs go. Required when Handler produces outputs; a
	// route whose handler never produces any may leave it unset.
	To Destination

	// Consume, instead of Handler, handles every message of From as it
	// is: a nil error acks it, an error wrapping ErrPermanent dead-letters
	// it, any other error retries it then nacks it. Match and To must be
	// unset. meterflow's bridge, processing and delivery routes are raw
	// routes.
	Consume message.NoPublishHandlerFunc

	// Middleware is the route's own Watermill middleware (e.g.
	// middleware.Timeout, middleware.NewThrottle(...).Middleware, a
	// middleware.Retry or middleware.PoisonQueue of its own), the first
	// outermost. It wraps the handler inside meterflow's metrics and
	// outside meterflow's dead-letter, panic recovery and retry, so it sees
	// each message once with its final outcome. Default: none.
	Middleware []message.HandlerMiddleware

	// Concurrency is how many messages the default From handles at once;
	// 1 keeps the notifications' stored order. Ignored with an explicit
	// From. Default: 1.
	Concurrency int

	// DeadLetter names the route's dead-letter subject,
	// deadletter.<DeadLetter>. Default: Name.
	DeadLetter string

	// Sink is the pipeline sink the route delivers to, the "sink" label of
	// its metrics. Default: "".
	Sink string
}

// Source is where a route reads: a Watermill subscriber and the topic to
// subscribe to (a JetStream subject filter, an oslo topic for
// transport/amqp, a gochannel topic...).
type Source struct {
	Subscriber message.Subscriber
	Topic      string
}

// From reads topic from sub.
func From(sub message.Subscriber, topic string) Source {
	return Source{Subscriber: sub, Topic: topic}
}

// IsZero reports whether s is unset (the route reads the NOTIFICATIONS log).
func (s Source) IsZero() bool { return s.Subscriber == nil && s.Topic == "" }

// Handler is a route's processor: a plain function over one decoded
// notification.
//
// If it returns no outputs and a nil error, the notification is filtered:
// it is acked and nothing is published. If it returns outputs and a nil
// error, every output is published to the route's destination and the
// notification is acked once all of them are stored. An error wrapping
// ErrPermanent (or processors.ErrMalformed) dead-letters the notification
// on deadletter.<route> and acks it; any other error retries it with
// backoff, then nacks it for redelivery. Outputs returned with an error
// are dropped.
//
// A notification may be handled more than once (redelivery, replay), so a
// handler should return the same outputs for the same notification:
// outputs are identified by the notification's message_id, the route name
// and their index, and a re-published output is stored once. A handler may
// run concurrently with itself (see Route.Concurrency).
type Handler func(ctx context.Context, n *processors.Notification) ([]Output, error)

// Output is one result of a Handler: a sample, an event or an arbitrary
// payload (exactly one of the three).
type Output struct {
	// Sample is published in Ceilometer's meter message format (the
	// format of the SAMPLES stream, signed) to a subject, or handed to a
	// sink's PublishSamples. An empty ID is derived from the notification,
	// the route and the output's index.
	Sample *processors.Sample
	// Event is published in Ceilometer's event message format to a
	// subject, or handed to a sink's PublishEvents.
	Event *processors.Event
	// Payload is published as it is. Sinks take no payloads.
	Payload []byte

	// Subject, if set, is appended to the destination's subject (or
	// topic) as more tokens: an output with Subject "boot_time" of a route
	// to Subject("alerts") is published on alerts.boot_time. Characters
	// NATS forbids become "_" (see Tokens). Sinks ignore it. Default: "".
	Subject string
	// Metadata are extra headers of the published message. Default: none.
	Metadata message.Metadata
}

// ErrInvalidOutput is the (permanent) error of an output that is not
// exactly one of sample, event and payload, or that its destination cannot
// take.
var ErrInvalidOutput = errors.New("invalid route output")

func (o *Output) validate() error {
	n := 0
	if o.Sample != nil {
		n++
	}
	if o.Event != nil {
		n++
	}
	if o.Payload != nil {
		n++
	}
	if n != 1 {
		return Permanent(fmt.Errorf("%w: %d of Sample, Event and Payload set, want exactly one", ErrInvalidOutput, n))
	}
	return nil
}

// Chain runs handlers in order on the same notification and returns their
// outputs one after the other: a chain fans out (a handler that filters
// adds nothing, the others still run). The first error stops the chain
// and is its error, so no output of a failed notification is published.
func Chain(handlers ...Handler) Handler {
	handlers = append([]Handler(nil), handlers...)
	return func(ctx context.Context, n *processors.Notification) ([]Output, error) {
		var all []Output
		for i, h := range handlers {
			outs, err := h(ctx, n)
			if err != nil {
				if len(handlers) == 1 {
					return nil, err
				}
				return nil, fmt.Errorf("chain step %d: %w", i+1, err)
			}
			all = append(all, outs...)
		}
		return all, nil
	}
}

// When runs h only on the notifications m matches; on the others it
// filters (no outputs, nil error). It puts a matcher inside a Chain.
// Unlike Route.Match it never narrows the filter subject, and the stored
// message's metadata it passes m is only available through
// MetadataFrom(ctx).
func When(m Matcher, h Handler) Handler {
	return func(ctx context.Context, n *processors.Notification) ([]Output, error) {
		if !m.Match(n, MetadataFrom(ctx)) {
			return nil, nil
		}
		return h(ctx, n)
	}
}

type metadataKey struct{}

// MetadataFrom returns the metadata of the message a Handler is handling
// (the JetStream headers of a stored notification: HeaderExchange,
// HeaderPriority, ...), nil outside a route.
func MetadataFrom(ctx context.Context) message.Metadata {
	md, _ := ctx.Value(metadataKey{}).(message.Metadata)
	return md
}
