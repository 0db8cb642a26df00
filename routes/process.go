package routes

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/processors/jsonv"
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
	subjects, outs, prod, err := p.convert(msg.Payload, msg.Metadata.Get(HeaderMsgID), msg.Metadata.Get(HeaderReceived), p.OnStored != nil)
	if err != nil {
		return err
	}
	if len(outs) == 0 {
		return nil
	}
	if err := p.Publisher.PublishEach(msg.Context(), subjects, outs); err != nil {
		return fmt.Errorf("store %d samples and events: %w", len(outs), err)
	}
	for _, x := range prod {
		p.OnStored(x.kind, x.name, x.sink)
	}
	return nil
}

// Convert turns one stored notification into the messages to store and
// their subjects. fallbackID names the notification when it has no
// message_id; received is passed on in HeaderReceived.
func (p *Process) Convert(body []byte, fallbackID, received string) (subjects []string, outs []*message.Message, err error) {
	subjects, outs, _, err = p.convert(body, fallbackID, received, false)
	return subjects, outs, err
}

// convert is Convert also naming each message when named is set.
func (p *Process) convert(body []byte, fallbackID, received string, named bool) (subjects []string, outs []*message.Message, prod []produced, err error) {
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
	perMeter := make(map[string]int, len(r.Samples))
	for i := range r.Samples {
		s := &r.Samples[i]
		// numbered per meter, so that adding or removing another meter's
		// definition leaves this sample's id (and dedup) unchanged
		s.ID = SampleID(hid, s.Name, perMeter[s.Name])
		perMeter[s.Name]++
		pipes := defs.Samples.Route(s.Name)
		if len(pipes) == 0 {
			continue
		}
		buf = jsonv.Append(buf[:0], processors.MeterMessage(s, p.Secret))
		seen := map[string]bool{}
		for _, pl := range pipes {
			if seen[pl.Sink.Name] {
				continue // two sources into one sink: Ceilometer would publish it twice
			}
			seen[pl.Sink.Name] = true
			out := message.NewMessage(pl.Sink.Name+":"+s.ID, append([]byte(nil), buf...))
			out.Metadata = message.Metadata{
				HeaderMsgID:          pl.Sink.Name + ":" + s.ID,
				HeaderNotificationID: hid,
				HeaderPipeline:       pl.Name,
				HeaderReceived:       received,
			}
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
		buf = jsonv.Append(buf[:0], processors.EventMessage(e, p.Secret))
		seen := map[string]bool{}
		for _, pl := range pipes {
			if seen[pl.Sink.Name] {
				continue
			}
			seen[pl.Sink.Name] = true
			mid := pl.Sink.Name + ":event:" + hid
			out := message.NewMessage(mid, append([]byte(nil), buf...))
			out.Metadata = message.Metadata{
				HeaderMsgID:          mid,
				HeaderNotificationID: hid,
				HeaderPipeline:       pl.Name,
				HeaderReceived:       received,
			}
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

// SampleID is a sample's deterministic id: a UUID (version 5 layout) made
// from the notification's message_id, the meter name and the sample's index
// among the notification's samples of that meter (a lookup definition makes
// several). Ceilometer draws a random uuid1; a
// derived one lets every redelivery and replay name the same sample.
func SampleID(notificationID, meter string, index int) string {
	h := sha1.New()
	h.Write([]byte(notificationID))
	h.Write([]byte{0})
	h.Write([]byte(meter))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(index)))
	sum := h.Sum(nil)
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], sum[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], sum[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], sum[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], sum[8:10])
	b[23] = '-'
	hex.Encode(b[24:], sum[10:16])
	return string(b[:])
}

func (p *Process) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}
