// Package sinks delivers samples and events to their backends, one file per
// sink, chosen by URL scheme as Ceilometer chooses its publishers
// (gnocchi://, prometheus://, file://, http://, https://, notifier://,
// jetstream://).
//
// Lifecycle is separate from flow: New validates the URL and options and
// builds the sink without talking to the backend; Publish* deliver; Close
// releases. A sink is used by one route at a time but must be safe for
// concurrent calls.
package sinks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"meterflow/processors"
)

// Sink is a backend meterflow publishes to. It implements SampleSink,
// EventSink or both.
type Sink interface {
	// Close flushes what is buffered and releases connections.
	Close(ctx context.Context) error
}

// SampleSink receives samples.
type SampleSink interface {
	Sink
	// PublishSamples delivers a batch. It returns nil only when the backend
	// accepted every sample. An error wrapping processors.ErrPermanent
	// means the backend rejected the whole batch for good (it is
	// dead-lettered); a *RejectedError names the samples rejected for good
	// while the others were delivered; any other error means "try the whole
	// batch again later", so a sink must tolerate redelivery of samples it
	// already accepted.
	PublishSamples(ctx context.Context, samples []processors.Sample) error
}

// EventSink receives events, with the same error contract as SampleSink.
type EventSink interface {
	Sink
	PublishEvents(ctx context.Context, events []processors.Event) error
}

// RejectedError reports the items of a batch a backend rejected for good;
// the others were delivered.
type RejectedError struct {
	// Rejected maps an index in the batch to its reason.
	Rejected map[int]error
}

func (e *RejectedError) Error() string {
	idx := make([]int, 0, len(e.Rejected))
	for i := range e.Rejected {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	parts := make([]string, 0, len(idx))
	for _, i := range idx {
		parts = append(parts, fmt.Sprintf("#%d: %v", i, e.Rejected[i]))
	}
	return fmt.Sprintf("%d rejected: %s", len(idx), strings.Join(parts, "; "))
}

// Unwrap makes errors.Is(err, processors.ErrPermanent) hold.
func (e *RejectedError) Unwrap() error { return processors.ErrPermanent }

// ErrInvalidURL wraps every error about a sink URL or its options.
var ErrInvalidURL = errors.New("invalid sink URL")

// Options are shared by every sink.
type Options struct {
	// Logger. Default: slog.Default().
	Logger *slog.Logger
	// Secret signs samples and events (Ceilometer's [publisher]
	// telemetry_secret) for sinks that send Ceilometer messages.
	// Default: "change this for valid signing", Ceilometer's default.
	Secret string
	// HTTPClient is used by HTTP-based sinks unless their URL configures
	// TLS verification differently. Default: a client with a 30 s timeout.
	HTTPClient *http.Client
	// Name is the pipeline sink's name, for logs and metrics.
	Name string
	// TransportURL is the broker a bare notifier:// publishes to, as
	// Ceilometer uses its transport_url (oslo syntax). Default: none, and
	// a bare notifier:// is refused.
	TransportURL string
	// AMQPTLS is the TLS configuration of amqps:// brokers of notifier://
	// publishers (meterflow run's --amqp-ca, --amqp-cert, --amqp-key); TLS
	// files named in a publisher's URL apply on top. Default: the system
	// roots, no client certificate.
	AMQPTLS *tls.Config
	// GnocchiURL is the endpoint a bare gnocchi:// uses, where Ceilometer
	// looks Gnocchi up in keystone's catalog. Default: none, and a bare
	// gnocchi:// is refused.
	GnocchiURL string
}

// DefaultSecret is Ceilometer's default telemetry_secret.
const DefaultSecret = "change this for valid signing"

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Secret == "" {
		o.Secret = DefaultSecret
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient
	}
}

// Factory builds a sink from its URL.
type Factory func(u *url.URL, opts Options) (Sink, error)

// Schemes maps a URL scheme to its sink. It is explicit on purpose: adding
// a sink is adding a line here.
var Schemes = map[string]Factory{
	"file":          NewFile,
	"gnocchi":       NewGnocchi,
	"gnocchi+http":  NewGnocchi,
	"gnocchi+https": NewGnocchi,
	"http":          NewHTTP,
	"https":         NewHTTP,
	"jetstream":     NewJetStream,
	"notifier":      NewNotifier,
	"prometheus":    NewPrometheus,
}

// New builds the sink a publisher URL names ("gnocchi://",
// "file:///var/log/samples.json?json", ...).
func New(raw string, opts Options) (Sink, error) {
	opts.setDefaults()
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrInvalidURL, Redact(raw), err)
	}
	f, ok := Schemes[u.Scheme]
	if !ok {
		known := make([]string, 0, len(Schemes))
		for s := range Schemes {
			known = append(known, s+"://")
		}
		sort.Strings(known)
		return nil, fmt.Errorf("%w: %q: unknown scheme %q (known: %s)", ErrInvalidURL, Redact(raw), u.Scheme, strings.Join(known, ", "))
	}
	return f(u, opts)
}

// Redact hides the password of a URL, for logs, errors and metric labels.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
