package sinks

import (
	"context"
	"fmt"
	"net/url"

	"meterflow/processors"
)

// JetStream is the jetstream:// sink: samples and events stay in their
// JetStream subjects (samples.<sink>.>, events.<sink>.>) for consumers that
// read JetStream directly. meterflow runs no delivery for it.
type JetStream struct{}

// NewJetStream builds the jetstream:// sink. It takes no options.
func NewJetStream(u *url.URL, _ Options) (Sink, error) {
	if u.Host != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("%w: jetstream:// takes no host, path or options", ErrInvalidURL)
	}
	return JetStream{}, nil
}

// PublishSamples accepts everything: the samples are already stored.
func (JetStream) PublishSamples(context.Context, []processors.Sample) error { return nil }

// PublishEvents accepts everything: the events are already stored.
func (JetStream) PublishEvents(context.Context, []processors.Event) error { return nil }

// Close does nothing.
func (JetStream) Close(context.Context) error { return nil }
