package routes

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
	"meterflow/sinks"
	jst "meterflow/transport/jetstream"
)

// HeaderRoute names the route that produced an output message.
const HeaderRoute = "Meterflow-Route"

// outputWriter publishes the outputs of one notification and returns once
// they are stored. nid is the notification's id.
type outputWriter func(ctx context.Context, route, nid string, in *message.Message, outs []Output) error

// notificationHandler is the Watermill handler of a notification route:
// decode, match, handle, publish the outputs.
func notificationHandler(rt Route, write outputWriter) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		n, err := processors.Decode(msg.Payload)
		if err != nil {
			return err // malformed: dead-lettered
		}
		if !rt.Match.Match(n, msg.Metadata) {
			return nil
		}
		ctx := context.WithValue(ctxOf(msg), metadataKey{}, msg.Metadata)
		outs, err := rt.Handler(ctx, n)
		if err != nil || len(outs) == 0 {
			return err
		}
		for i := range outs {
			if err := outs[i].validate(); err != nil {
				return fmt.Errorf("output %d: %w", i, err)
			}
		}
		return write(ctx, rt.Name, notificationID(n, msg), msg, outs)
	}
}

// notificationID names a notification in output ids: its message_id, else
// the id it was stored with, else the message's UUID.
func notificationID(n *processors.Notification, msg *message.Message) string {
	id := n.MessageID
	for _, k := range []string{jst.MetadataMsgID, HeaderMsgID} {
		if id == "" {
			id = msg.Metadata.Get(k)
		}
	}
	if id == "" {
		id = msg.UUID
	}
	return headerValue(id)
}

// OutputID is the deterministic id of a route's index-th output (from 0)
// for the notification with message_id nid: "<route>:<nid>:<index>". It is
// the output message's Nats-Msg-Id and UUID, so a redelivered or replayed
// notification's outputs are stored once.
func OutputID(route, nid string, index int) string {
	return route + ":" + nid + ":" + strconv.Itoa(index)
}

// writer returns the output writer of rt's destination, and the sink it
// built for a Sink destination.
func (r *Registrar) writer(rt Route) (outputWriter, sinks.Sink, error) {
	d := rt.To
	switch {
	case d.sinkURL != "":
		opts := r.SinkOptions
		if opts.Name == "" {
			opts.Name = rt.Name
		}
		sk, err := sinks.New(d.sinkURL, opts)
		if err != nil {
			return nil, nil, err
		}
		return sinkWriter(sk, d.sinkURL), sk, nil
	case d.subject != "":
		if err := checkSubject(d.subject); err != nil {
			return nil, nil, err
		}
		return r.publishWriter(r.Publisher, d.subject), nil, nil
	case d.pub != nil:
		if d.topic == "" {
			return nil, nil, fmt.Errorf("Publish destination needs a topic")
		}
		return r.publishWriter(d.pub, d.topic), nil, nil
	}
	return func(context.Context, string, string, *message.Message, []Output) error {
		return Permanent(fmt.Errorf("%w: the route has no destination (To)", ErrInvalidOutput))
	}, nil, nil
}

// checkSubject refuses a subject no message can be published to.
func checkSubject(s string) error {
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || Token(tok) != tok {
			return fmt.Errorf("subject %q: tokens must be non-empty, without white space, '*' or '>'", s)
		}
	}
	return nil
}

// publishWriter publishes each output as one message on base (plus the
// output's Subject).
func (r *Registrar) publishWriter(pub message.Publisher, base string) outputWriter {
	secret := r.secret()
	return func(ctx context.Context, route, nid string, in *message.Message, outs []Output) error {
		subjects := make([]string, len(outs))
		msgs := make([]*message.Message, len(outs))
		for i := range outs {
			o := &outs[i]
			id := OutputID(route, nid, i)
			var body []byte
			switch {
			case o.Sample != nil:
				if o.Sample.ID == "" {
					o.Sample.ID = SampleID(route+":"+nid, o.Sample.Name, i)
				}
				body = processors.AppendMeterMessage(nil, o.Sample, secret)
			case o.Event != nil:
				body = processors.AppendEventMessage(nil, o.Event, secret)
			default:
				body = o.Payload
			}
			m := message.NewMessage(id, body)
			m.Metadata = make(message.Metadata, len(o.Metadata)+4)
			for k, v := range o.Metadata {
				m.Metadata[k] = v
			}
			m.Metadata[HeaderMsgID] = id
			m.Metadata[HeaderNotificationID] = nid
			m.Metadata[HeaderRoute] = route
			if rcv := in.Metadata.Get(HeaderReceived); rcv != "" {
				m.Metadata[HeaderReceived] = rcv
			}
			m.SetContext(ctx)
			subjects[i] = base
			if o.Subject != "" {
				subjects[i] = base + "." + Tokens(o.Subject)
			}
			msgs[i] = m
		}
		if fp, ok := pub.(FanOutPublisher); ok {
			if err := fp.PublishEach(ctx, subjects, msgs); err != nil {
				return fmt.Errorf("store %d outputs: %w", len(msgs), err)
			}
			return nil
		}
		for i, m := range msgs {
			if err := pub.Publish(subjects[i], m); err != nil {
				return fmt.Errorf("publish output %d to %s: %w", i, subjects[i], err)
			}
		}
		return nil
	}
}

// sinkWriter hands a notification's samples and events to sk.
func sinkWriter(sk sinks.Sink, url string) outputWriter {
	return func(ctx context.Context, route, nid string, _ *message.Message, outs []Output) error {
		var samples []processors.Sample
		var events []processors.Event
		for i := range outs {
			o := &outs[i]
			switch {
			case o.Sample != nil:
				s := *o.Sample
				if s.ID == "" {
					s.ID = SampleID(route+":"+nid, s.Name, i)
				}
				samples = append(samples, s)
			case o.Event != nil:
				events = append(events, *o.Event)
			default:
				return Permanent(fmt.Errorf("%w: output %d: sink %s takes samples and events, not payloads", ErrInvalidOutput, i, sinks.Redact(url)))
			}
		}
		if len(samples) > 0 {
			ss, ok := sk.(sinks.SampleSink)
			if !ok {
				return Permanent(fmt.Errorf("%w: sink %s takes no samples", ErrInvalidOutput, sinks.Redact(url)))
			}
			if err := ss.PublishSamples(ctx, samples); err != nil {
				return fmt.Errorf("sink %s: %w", sinks.Redact(url), err)
			}
		}
		if len(events) > 0 {
			es, ok := sk.(sinks.EventSink)
			if !ok {
				return Permanent(fmt.Errorf("%w: sink %s takes no events", ErrInvalidOutput, sinks.Redact(url)))
			}
			if err := es.PublishEvents(ctx, events); err != nil {
				return fmt.Errorf("sink %s: %w", sinks.Redact(url), err)
			}
		}
		return nil
	}
}
