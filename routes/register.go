package routes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/internal/wlog"
	"meterflow/sinks"
)

// LogDurablePrefix starts the durable consumer name of a route reading the
// NOTIFICATIONS log by default: route_<name>.
const LogDurablePrefix = "route_"

// Errors of Registrar.Add, matched with errors.Is.
var (
	// ErrInvalidRoute wraps every problem of a Route found when it is added.
	ErrInvalidRoute = errors.New("invalid route")
	// ErrDuplicateRoute: the router already has a route of that name.
	ErrDuplicateRoute = errors.New("duplicate route name")
)

// Observer is told about every message of every route, for metrics.
// *metrics.Metrics implements it.
type Observer interface {
	// HandlerMiddleware is the outermost middleware of a route: it sees
	// each message's final outcome.
	HandlerMiddleware(route, sink string) message.HandlerMiddleware
	// OnRetry is called on each retry of a message of the route.
	OnRetry(route, sink string) func(retryNum int, delay time.Duration)
}

// Registrar adds Routes to a Watermill router with meterflow's middleware
// stack, from the outside in: the Observer's metrics, the route's own
// Middleware, dead-lettering of permanent failures on
// deadletter.<route> (with the reason in the reason_poisoned header, then
// acked), panics turned into permanent failures, and a retry of the other
// failures (3 retries, backoff 100 ms doubling up to 2 s) before the
// message is nacked for redelivery.
//
// meterflow's service registers its own routes through a Registrar, so a
// route added by a user program is handled exactly like the bridge, the
// processing route and the sink deliveries.
type Registrar struct {
	// Router receives the routes. Required.
	Router *message.Router
	// Publisher stores dead letters and the outputs of Subject
	// destinations; it must return only once they are stored. A
	// FanOutPublisher (transport/jetstream.Publisher) stores a
	// notification's outputs concurrently. Required.
	Publisher message.Publisher
	// Log returns the subscriber of a route without From: a durable
	// consumer named durable on the NOTIFICATIONS stream, handling up to
	// concurrency messages at once. Default: nil, and such a route is
	// refused.
	Log func(durable string, concurrency int) (message.Subscriber, error)
	// Observer counts and times each route's messages. Default: none.
	Observer Observer
	// SinkOptions build the sinks of Sink destinations (logger, secret,
	// transport and Gnocchi URLs). Default: sinks.Options{}.
	SinkOptions sinks.Options
	// Secret signs sample and event outputs published to subjects
	// (Ceilometer's telemetry_secret). Default: sinks.DefaultSecret.
	Secret string
	// Logger receives dead-letter and retry lines. Default: slog.Default().
	Logger *slog.Logger

	mu    sync.Mutex
	sinks []sinks.Sink
	names []string
}

// Register adds every route, stopping at the first error.
func (r *Registrar) Register(rs ...Route) error {
	for _, rt := range rs {
		if _, err := r.Add(rt); err != nil {
			return err
		}
	}
	return nil
}

// Add adds one route and returns its Watermill handler (to stop it alone,
// or to wait until it started). Every problem of the route is reported
// here, wrapping ErrInvalidRoute or ErrDuplicateRoute, never at its first
// message. A route added to a running router starts with the router's
// next RunHandlers.
func (r *Registrar) Add(rt Route) (_ *message.Handler, err error) {
	if r.Router == nil || r.Publisher == nil {
		return nil, fmt.Errorf("%w: the Registrar needs a Router and a Publisher", ErrInvalidRoute)
	}
	if err := r.validate(rt); err != nil {
		return nil, err
	}
	h := rt.Consume
	var sink sinks.Sink
	if h == nil {
		var w outputWriter
		if w, sink, err = r.writer(rt); err != nil {
			return nil, fmt.Errorf("%w: route %s: %w", ErrInvalidRoute, rt.Name, err)
		}
		h = notificationHandler(rt, w)
	}
	defer func() {
		if err != nil && sink != nil {
			_ = sink.Close(context.Background())
		}
	}()
	src := rt.From
	if src.IsZero() {
		if src, err = r.logSource(rt); err != nil {
			return nil, err
		}
	}
	dlName := rt.DeadLetter
	if dlName == "" {
		dlName = rt.Name
	}
	dl, err := DeadLetter(r.Publisher, dlName, WithDeadLetterLogger(r.logger()))
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", rt.Name, err)
	}
	handler, err := r.addHandler(rt.Name, src, h)
	if err != nil {
		if rt.From.IsZero() {
			_ = src.Subscriber.Close()
		}
		return nil, err
	}
	retry := Retry{
		MaxRetries:      3,
		InitialInterval: 100 * time.Millisecond,
		MaxInterval:     2 * time.Second,
		Multiplier:      2,
		// one line per failed attempt would flood the log during a sink
		// outage; the retries are counted in the route's metrics
		Logger: wlog.Throttled(wlog.New(r.logger().With("route", rt.Name)), 10*time.Second),
	}
	handler.AddMiddleware(GrowStack)
	if r.Observer != nil {
		handler.AddMiddleware(r.Observer.HandlerMiddleware(rt.Name, rt.Sink))
		retry.OnRetry = r.Observer.OnRetry(rt.Name, rt.Sink)
	}
	handler.AddMiddleware(rt.Middleware...)
	handler.AddMiddleware(dl, RecoverAsPermanent, retry.Middleware)
	r.mu.Lock()
	if sink != nil {
		r.sinks = append(r.sinks, sink)
	}
	r.names = append(r.names, rt.Name)
	r.mu.Unlock()
	return handler, nil
}

// addHandler adds the consumer handler, reporting a duplicate name as an
// error where Watermill panics.
func (r *Registrar) addHandler(name string, src Source, h message.NoPublishHandlerFunc) (handler *message.Handler, err error) {
	defer func() {
		if p := recover(); p != nil {
			var dup message.DuplicateHandlerNameError
			if e, ok := p.(error); ok && errors.As(e, &dup) {
				handler, err = nil, fmt.Errorf("%w: %s", ErrDuplicateRoute, name)
				return
			}
			panic(p)
		}
	}()
	if _, exists := r.Router.Handlers()[name]; exists {
		return nil, fmt.Errorf("%w: %s", ErrDuplicateRoute, name)
	}
	return r.Router.AddConsumerHandler(name, src.Topic, src.Subscriber, h), nil
}

// logSource builds the default source of rt: the NOTIFICATIONS log through
// its own durable consumer, filtered by its matcher's subject.
func (r *Registrar) logSource(rt Route) (Source, error) {
	if r.Log == nil {
		return Source{}, fmt.Errorf("%w: route %s has no From and the Registrar reads no log", ErrInvalidRoute, rt.Name)
	}
	if strings.ContainsAny(rt.Name, " \t\r\n.*>/\\") {
		return Source{}, fmt.Errorf("%w: route name %q cannot name a durable consumer (no white space, '.', '*', '>', '/' or '\\')", ErrInvalidRoute, rt.Name)
	}
	conc := rt.Concurrency
	if conc == 0 {
		conc = 1
	}
	sub, err := r.Log(LogDurablePrefix+rt.Name, conc)
	if err != nil {
		return Source{}, fmt.Errorf("route %s: subscribe to the log: %w", rt.Name, err)
	}
	return From(sub, rt.Match.Subject()), nil
}

func (r *Registrar) validate(rt Route) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: route %q: %s", ErrInvalidRoute, rt.Name, fmt.Sprintf(format, a...))
	}
	switch {
	case rt.Name == "":
		return bad("Name is required")
	case (rt.Handler == nil) == (rt.Consume == nil):
		return bad("set exactly one of Handler and Consume")
	case rt.Consume != nil && (!rt.Match.isZero() || !rt.To.IsZero()):
		return bad("a Consume route takes no Match and no To: it handles and publishes every message itself")
	case rt.Match.Err() != nil:
		return bad("Match: %v", rt.Match.Err())
	case !rt.From.IsZero() && (rt.From.Subscriber == nil || rt.From.Topic == ""):
		return bad("From needs a Subscriber and a Topic")
	case rt.Concurrency < 0:
		return bad("Concurrency must not be negative")
	}
	if _, exists := r.Router.Handlers()[rt.Name]; exists {
		return fmt.Errorf("%w: %s", ErrDuplicateRoute, rt.Name)
	}
	return nil
}

// Routes names the routes added, in order (a route stopped since stays
// listed).
func (r *Registrar) Routes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.names...)
}

// Close closes the sinks of the Sink destinations of every route added,
// flushing what they buffer. Call it after the router stopped.
func (r *Registrar) Close(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, s := range r.sinks {
		errs = append(errs, s.Close(ctx))
	}
	r.sinks = nil
	return errors.Join(errs...)
}

func (r *Registrar) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Registrar) secret() string {
	if r.Secret != "" {
		return r.Secret
	}
	return sinks.DefaultSecret
}
