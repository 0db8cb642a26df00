package routes

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/processors/pipeline"
)

// Subject prefixes of the SAMPLES and EVENTS streams.
const (
	SamplesPrefix = "samples"
	EventsPrefix  = "events"
)

// Headers of sample and event messages.
const (
	HeaderNotificationID = "Meterflow-Notification-Id" // the source notification's message_id
	HeaderPipeline       = "Meterflow-Pipeline"        // the pipeline (source:sink) that routed it
)

// SampleSubject is where a sample for a pipeline sink is stored:
// samples.<sink>.<meter>.
func SampleSubject(sink, meter string) string {
	return SamplesPrefix + "." + Token(sink) + "." + Tokens(meter)
}

// EventSubject is where an event for a pipeline sink is stored:
// events.<sink>.<event_type>.
func EventSubject(sink, eventType string) string {
	return EventsPrefix + "." + Token(sink) + "." + Tokens(eventType)
}

// Definitions is what the processing route converts and routes with. A
// Definitions is immutable; reloading swaps in a new one.
type Definitions struct {
	Converter *convert.Converter
	Samples   *pipeline.Config // pipeline.yaml
	Events    *pipeline.Config // event_pipeline.yaml
}

// FanOutPublisher stores msgs[i] on subjects[i] and returns once every one
// is stored (transport/jetstream.Publisher implements it).
type FanOutPublisher interface {
	PublishEach(ctx context.Context, subjects []string, msgs []*message.Message) error
}

// Process is the handler between the raw log and the sinks: it converts a
// stored notification into samples and events and stores one message per
// sample (or event) per pipeline sink that takes it, on samples.<sink>.<meter>
// (events.<sink>.<event_type>), in Ceilometer's publisher format.
//
// Message ids are deterministic (notification message_id, meter, index,
// sink), so redelivering or replaying a notification never duplicates a
// sample. The notification is acked only after all its messages are stored.
type Process struct {
	Definitions *atomic.Pointer[Definitions]
	Publisher   FanOutPublisher
	// Secret signs the messages (Ceilometer's telemetry_secret).
	Secret string
	Logger *slog.Logger
	// OnConverted, if set, is told what each notification produced.
	OnConverted func(n *processors.Notification, r *convert.Result)
	// MaxMessageBytes: a sample or event message larger than this (NATS'
	// max_payload less room for headers) can never be stored, so its
	// notification fails permanently (dead-lettered) instead of being
	// retried forever. 0 means no limit.
	MaxMessageBytes int
	// OnStored, if set, is told of every sample (kind "sample", name the
	// meter) and event (kind "event", name the event type) stored for a
	// sink, once the notification's messages are all stored.
	OnStored func(kind, name, sink string)
}

// produced names one stored message for OnStored.
type produced struct{ kind, name, sink string }

// Handle is a watermill NoPublishHandlerFunc for messages of the
// NOTIFICATIONS stream. A body that is not a notification fails permanently
// (dead-lettered); a failure to store fails transiently (redelivered later).
// Endpoint errors are logged and the endpoint's output dropped, as
// Ceilometer does; the notification is still acked.
func (p *Process) Handle(msg *message.Message) error {
	arena := arenas.Get().(*[]byte)
	subjects, outs, prod, err := p.convert(msg.Payload, msg.Metadata.Get(HeaderMsgID), msg.Metadata.Get(HeaderReceived), p.OnStored != nil, arena)
	if err != nil {
		putArena(arena)
		return err
	}
	if len(outs) == 0 {
		putArena(arena)
		return nil
	}
	if err := p.Publisher.PublishEach(msg.Context(), subjects, outs); err != nil {
		// a publish given up on may still be sent again: leave it its payload
		return fmt.Errorf("store %d samples and events: %w", len(outs), err)
	}
	// every message is stored: nothing reads their payloads any more
	putArena(arena)
	for _, x := range prod {
		p.OnStored(x.kind, x.name, x.sink)
	}
	return nil
}

// arenas hold the payloads of one notification's messages while Handle
// stores them, one buffer instead of one allocation per message.
var arenas = sync.Pool{New: func() any { return new([]byte) }}

// putArena returns an arena to the pool unless it grew unusually large.
func putArena(a *[]byte) {
	if cap(*a) > 1<<20 {
		return
	}
	*a = (*a)[:0]
	arenas.Put(a)
}

// Convert turns one stored notification into the messages to store and
// their subjects. fallbackID names the notification when it has no
// message_id; received is passed on in HeaderReceived.
func (p *Process) Convert(body []byte, fallbackID, received string) (subjects []string, outs []*message.Message, err error) {
	subjects, outs, _, err = p.convert(body, fallbackID, received, false, nil)
	return subjects, outs, err
}

// convert is Convert also naming each message when named is set. With an
// arena, the payloads are slices of it (appended to); without, each has
// its own allocation.
func (p *Process) convert(body []byte, fallbackID, received string, named bool, arena *[]byte) (subjects []string, outs []*message.Message, prod []produced, err error) {
	defs := p.Definitions.Load()
	n, err := processors.Decode(body)
	if err != nil {
		return nil, nil, nil, err
	}
	r := defs.Converter.Convert(n)
	if p.OnConverted != nil {
		p.OnConverted(n, &r)
	}
	id := n.MessageID
	if id == "" {
		id = fallbackID
	}
	// the id goes into headers, where CR and LF cannot go
	hid := headerValue(id)
	for _, e := range r.Errors {
		p.logger().Warn("endpoint failed; its output is dropped as Ceilometer does",
			"message_id", id, "event_type", n.EventType, "error", e)
	}
	var buf []byte
	if arena != nil {
		buf = *arena
		defer func() { *arena = buf }()
	}
	// payload appends one message to buf and returns it: a slice of the
	// arena, or a copy of its own
	payload := func(start int) []byte {
		if arena != nil {
			return buf[start:len(buf):len(buf)]
		}
		out := append([]byte(nil), buf[start:]...)
		buf = buf[:start]
		return out
	}
	NumberSamples(hid, r.Samples)
	for i := range r.Samples {
		s := &r.Samples[i]
		pipes := defs.Samples.Route(s.Name)
		if len(pipes) == 0 {
			continue
		}
		start := len(buf)
		buf = processors.AppendMeterMessage(buf, s, p.Secret)
		body := payload(start)
		for j, pl := range pipes {
			if seenSink(pipes[:j], pl.Sink.Name) {
				continue // two sources into one sink: Ceilometer would publish it twice
			}
			mid := pl.Sink.Name + ":" + s.ID
			out := message.NewMessage(mid, body)
			out.Metadata[HeaderMsgID] = mid
			out.Metadata[HeaderNotificationID] = hid
			out.Metadata[HeaderPipeline] = pl.Name
			out.Metadata[HeaderReceived] = received
			subjects = append(subjects, SampleSubject(pl.Sink.Name, s.Name))
			outs = append(outs, out)
			if named {
				prod = append(prod, produced{"sample", s.Name, pl.Sink.Name})
			}
		}
	}
	for _, e := range r.Events {
		pipes := defs.Events.Route(e.EventType)
		if len(pipes) == 0 {
			continue
		}
		start := len(buf)
		buf = processors.AppendEventMessage(buf, e, p.Secret)
		body := payload(start)
		for j, pl := range pipes {
			if seenSink(pipes[:j], pl.Sink.Name) {
				continue
			}
			mid := pl.Sink.Name + ":event:" + hid
			out := message.NewMessage(mid, body)
			out.Metadata[HeaderMsgID] = mid
			out.Metadata[HeaderNotificationID] = hid
			out.Metadata[HeaderPipeline] = pl.Name
			out.Metadata[HeaderReceived] = received
			subjects = append(subjects, EventSubject(pl.Sink.Name, e.EventType))
			outs = append(outs, out)
			if named {
				prod = append(prod, produced{"event", e.EventType, pl.Sink.Name})
			}
		}
	}
	if p.MaxMessageBytes > 0 {
		for i, o := range outs {
			if len(o.Payload) > p.MaxMessageBytes {
				return nil, nil, nil, processors.Permanent(fmt.Errorf("%s: message of %d bytes is over the %d-byte limit of the NATS server", subjects[i], len(o.Payload), p.MaxMessageBytes))
			}
		}
	}
	return subjects, outs, prod, nil
}

// seenSink reports whether one of pipes routes to sink already.
func seenSink(pipes []pipeline.Pipeline, sink string) bool {
	for _, pl := range pipes {
		if pl.Sink.Name == sink {
			return true
		}
	}
	return false
}

// NumberSamples gives each of a notification's samples its SampleID,
// numbered per meter in order, so that adding or removing another meter's
// definition leaves a sample's id (and so its deduplication) unchanged.
func NumberSamples(notificationID string, samples []processors.Sample) {
	// A few samples are counted by looking back; a lookup definition over a
	// long payload list can make thousands, which a map counts in linear time.
	var seen map[string]int
	if len(samples) > 16 {
		seen = make(map[string]int)
	}
	for i := range samples {
		s := &samples[i]
		n := 0
		if seen != nil {
			n = seen[s.Name]
			seen[s.Name] = n + 1
		} else {
			for j := range i {
				if samples[j].Name == s.Name {
					n++
				}
			}
		}
		s.ID = SampleID(notificationID, s.Name, n)
	}
}

// SampleID is a sample's deterministic id: a UUID (version 5 layout) made
// from the notification's message_id, the meter name and the sample's index
// among the notification's samples of that meter (a lookup definition makes
// several). Ceilometer draws a random uuid1; a derived one lets every
// redelivery and replay name the same sample.
func SampleID(notificationID, meter string, index int) string {
	var in [256]byte // most ids and meters fit: no allocation but the result
	b := append(in[:0], notificationID...)
	b = append(b, 0)
	b = append(b, meter...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(index), 10)
	sum := sha1.Sum(b)
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], sum[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], sum[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], sum[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], sum[8:10])
	out[23] = '-'
	hex.Encode(out[24:], sum[10:16])
	return string(out[:])
}

func (p *Process) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}
