package meter

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"meterflow/processors"
	"meterflow/processors/pyre"
)

// Endpoints are the sample endpoints of Ceilometer 19's notification agent
// (the ceilometer.sample.endpoint entry points): the meter definitions
// ("meter"), the polling agent's samples ("_sample"), ironic's IPMI sensors
// ("hardware.ipmi.temperature", ".current", ".fan", ".voltage") and
// ceilometermiddleware's HTTP notifications ("http.request",
// "http.response"). An Endpoints is immutable and safe for concurrent use.
type Endpoints struct {
	meters    *meterEndpoint
	telemetry *telemetryEndpoint
	ipmi      [4]*ipmiEndpoint
	http      *httpEndpoint
	// filters are the event type filters of the endpoints other than
	// "meter", which takes every event type.
	filters [numBuiltins]*pyre.Regexp

	routes     sync.Map // event type -> *route
	nroutes    atomic.Int64
	cacheLimit int64
}

// The endpoints after "meter", in entry point order, with their event type
// filters (oslo.messaging NotificationFilter patterns).
const (
	epTelemetry = iota
	epIPMITemperature
	epIPMICurrent
	epIPMIFan
	epIPMIVoltage
	epHTTPRequest
	epHTTPResponse
	numBuiltins
)

var builtinNames = [numBuiltins]string{"_sample", "hardware.ipmi.temperature", "hardware.ipmi.current",
	"hardware.ipmi.fan", "hardware.ipmi.voltage", "http.request", "http.response"}

var builtinFilters = [numBuiltins]string{"telemetry.polling", "hardware.ipmi.*", "hardware.ipmi.*",
	"hardware.ipmi.*", "hardware.ipmi.*", "http.request", "http.response"}

// route is what the endpoints do with one event type.
type route struct {
	defs     []*Definition
	builtins [numBuiltins]bool
	err      error // a regular expression that failed (timed out)
}

// Load loads the meter definitions of cfg.Dirs and returns the endpoints.
//
// A definition file or definition that cannot be used is skipped, as
// Ceilometer skips it, and reported in skipped (each a *LoadError naming the
// file, line, meter and field); the endpoints work with the rest. err is
// non-nil only for an invalid cfg.
func Load(cfg Config) (e *Endpoints, skipped []error, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	cfg.setDefaults()
	c := newCompiler(cfg.MatchTimeout)
	defs, skipped := c.loadDefinitions(cfg.Dirs)
	opts := sampleOptions{
		source:            cfg.SampleSource,
		reservedNamespace: cfg.ReservedMetadataNamespace,
		reservedLength:    cfg.ReservedMetadataLength,
		reservedKeys:      cfg.ReservedMetadataKeys,
	}
	e = &Endpoints{
		meters:     &meterEndpoint{defs: defs, opts: opts, nslots: len(c.slots), ngroups: len(c.groups)},
		telemetry:  &telemetryEndpoint{source: cfg.SampleSource},
		http:       &httpEndpoint{source: cfg.SampleSource},
		cacheLimit: int64(cfg.EventTypeCacheSize),
	}
	for i, m := range []string{"Temperature", "Current", "Fan", "Voltage"} {
		e.ipmi[i] = newIPMIEndpoint(m, cfg.SampleSource)
	}
	for i, f := range builtinFilters {
		if e.filters[i], err = pyre.Compile(f, cfg.MatchTimeout); err != nil {
			return nil, nil, err
		}
	}
	return e, skipped, nil
}

// LoadDefault returns the endpoints with Ceilometer 19's shipped meter
// definitions and default options, as an unconfigured Ceilometer runs.
func LoadDefault() (*Endpoints, error) {
	e, skipped, err := Load(Config{})
	if err == nil && len(skipped) > 0 {
		err = errors.Join(skipped...)
	}
	return e, err
}

// Definitions returns the loaded meter definitions in the order Ceilometer
// evaluates them.
func (e *Endpoints) Definitions() []*Definition {
	return append([]*Definition(nil), e.meters.defs...)
}

// EndpointError reports a sample endpoint that failed on a notification.
// As in Ceilometer, the endpoint's samples for that notification are
// dropped, the other endpoints' samples are kept, and the notification is
// acknowledged: retrying it would fail again.
type EndpointError struct {
	Endpoint  string // the entry point name: "meter", "_sample", "http.request"...
	EventType string
	Err       error
}

func (e *EndpointError) Error() string {
	return fmt.Sprintf("sample endpoint %s: event type %q: %v", e.Endpoint, e.EventType, e.Err)
}

func (e *EndpointError) Unwrap() error { return e.Err }

// Samples returns the samples Ceilometer 19's notification agent publishes
// for n through a pipeline that takes every meter: what every sample
// endpoint builds, less the samples whose volume is missing or not a number
// (see VolumeOK).
//
// Only notifications of priority info and sample make samples; others give
// nothing. No samples and no errors means the notification is filtered:
// acknowledge it. Each error is an *EndpointError for an endpoint whose
// samples were dropped; the samples returned are still to be published.
//
// The samples share their ResourceMetadata objects and the values in them
// with each other and with n: treat them as read-only.
func (e *Endpoints) Samples(n *processors.Notification) ([]processors.Sample, []error) {
	return e.AppendSamples(nil, n)
}

// AppendSamples is Samples appending to dst, so that a caller can reuse a
// slice across notifications.
func (e *Endpoints) AppendSamples(dst []processors.Sample, n *processors.Notification) ([]processors.Sample, []error) {
	if n.Priority != "info" && n.Priority != "sample" {
		return dst, nil
	}
	r := e.route(n.EventType)
	var errs []error
	fail := func(endpoint string, err error) {
		errs = append(errs, &EndpointError{Endpoint: endpoint, EventType: n.EventType, Err: err})
	}
	if r.err != nil {
		// A definition's event_type match timed out: whether it applies is
		// unknown, so the endpoint gives nothing rather than a partial result.
		fail("meter", r.err)
	} else if len(r.defs) > 0 {
		// Most definitions make one sample: room for them in one allocation.
		dst = slices.Grow(dst, len(r.defs))
		var err error
		if dst, err = e.meters.appendSamples(dst, r.defs, n); err != nil {
			fail("meter", err)
		}
	}
	for i, on := range r.builtins {
		if !on {
			continue
		}
		var err error
		switch i {
		case epTelemetry:
			dst, err = e.telemetry.appendSamples(dst, n)
		case epIPMITemperature, epIPMICurrent, epIPMIFan, epIPMIVoltage:
			dst, err = e.ipmi[i-epIPMITemperature].appendSamples(dst, n)
		case epHTTPRequest, epHTTPResponse:
			dst, err = e.http.appendSamples(dst, n)
		}
		if err != nil {
			fail(builtinNames[i], err)
		}
	}
	return dst, errs
}

// route returns the endpoints and definitions for an event type, matching
// the regular expressions once per distinct event type.
func (e *Endpoints) route(eventType string) *route {
	if r, ok := e.routes.Load(eventType); ok {
		return r.(*route)
	}
	r := &route{}
	for _, d := range e.meters.defs {
		ok, err := d.matchType(eventType)
		if err != nil {
			// The meter endpoint fails as a whole: matching the other
			// definitions, each up to MatchTimeout, would decide nothing.
			r.err, r.defs = err, nil
			break
		}
		if ok {
			r.defs = append(r.defs, d)
		}
	}
	for i, f := range e.filters {
		ok, err := f.Match(eventType)
		if err != nil && r.err == nil {
			r.err = err
		}
		r.builtins[i] = ok
	}
	if e.cacheLimit > 0 {
		if e.nroutes.Add(1) > e.cacheLimit {
			e.routes.Clear()
			e.nroutes.Store(1)
		}
		e.routes.Store(eventType, r)
	}
	return r
}
