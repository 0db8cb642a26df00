// Package convert is Ceilometer 19's notification agent without its
// transport: a notification goes through every sample endpoint (meter
// definitions, polling samples, IPMI sensors, HTTP middleware) and through
// the event converter, with the agent's priority rules (samples from info
// and sample notifications, events from info and error ones).
package convert

import (
	"fmt"
	"os"

	"meterflow/definitions"
	"meterflow/processors"
	"meterflow/processors/event"
	"meterflow/processors/jsonv"
	"meterflow/processors/meter"
)

// Where Ceilometer looks for an operator's definitions first.
const (
	EtcMetersDir        = "/etc/ceilometer/meters.d"
	EtcEventDefinitions = "/etc/ceilometer/event_definitions.yaml"
)

// Config says which definitions to load.
type Config struct {
	// MeterDirs replace Ceilometer's meter_definitions_dirs when set.
	// Default: /etc/ceilometer/meters.d when it exists, then the shipped
	// meters.d (Ceilometer's default; a definition in an earlier directory
	// overrides one of the same name in a later one).
	MeterDirs []string
	// EventsFile is the event definitions file. Default:
	// /etc/ceilometer/event_definitions.yaml when it exists, else the
	// shipped one (Ceilometer's find_file rule).
	EventsFile string
	// NoEtc ignores /etc/ceilometer, for reproducible runs.
	NoEtc bool
	// DropUnmatched is Ceilometer's [event] drop_unmatched_notifications.
	// Default: false (a notification no definition matches still makes an
	// event with the default traits).
	DropUnmatched bool
	// StoreRaw lists the priorities whose events keep the raw notification
	// ([event] store_raw). Default: none.
	StoreRaw []string
}

// Converter converts notifications. It is immutable and safe for
// concurrent use; reload by building a new one.
type Converter struct {
	Meters *meter.Endpoints
	Events *event.Converter
	// Skipped are the meter definitions that failed to load and were left
	// out, as Ceilometer logs and skips them.
	Skipped []error
}

// Load loads the definitions cfg names. A meter definition that fails to
// load is skipped (see Converter.Skipped); a file that cannot be read or an
// event definitions file with errors fails the load.
func Load(cfg Config) (*Converter, error) {
	c, eventsErr, err := load(cfg)
	if err != nil {
		return nil, err
	}
	if eventsErr != nil {
		return nil, eventsErr
	}
	return c, nil
}

// Lint loads the definitions cfg names and returns every problem found:
// each skipped meter definition and each error of the event definitions,
// one error a problem, each naming its file and line.
func Lint(cfg Config) []error {
	c, eventsErr, err := load(cfg)
	if err != nil {
		return []error{err}
	}
	errs := append([]error(nil), c.Skipped...)
	if eventsErr != nil {
		if joined, ok := eventsErr.(interface{ Unwrap() []error }); ok {
			errs = append(errs, joined.Unwrap()...)
		} else {
			errs = append(errs, eventsErr)
		}
	}
	return errs
}

// load returns the converter (its Events nil when eventsErr is set), the
// event definitions' error, and an error that stopped everything.
func load(cfg Config) (c *Converter, eventsErr, err error) {
	mcfg := meter.Config{}
	switch {
	case len(cfg.MeterDirs) > 0:
		for _, d := range cfg.MeterDirs {
			if _, err := os.Stat(d); err != nil {
				return nil, nil, fmt.Errorf("meter definitions: %w", err)
			}
			mcfg.Dirs = append(mcfg.Dirs, meter.OSDir(d))
		}
	case !cfg.NoEtc && isDir(EtcMetersDir):
		mcfg.Dirs = []meter.Dir{meter.OSDir(EtcMetersDir), meter.ShippedDir()}
	}
	meters, skipped, err := meter.Load(mcfg)
	if err != nil {
		return nil, nil, err
	}
	c = &Converter{Meters: meters, Skipped: skipped}
	opts := []event.Option{event.WithDropUnmatched(cfg.DropUnmatched)}
	if len(cfg.StoreRaw) > 0 {
		opts = append(opts, event.WithStoreRaw(cfg.StoreRaw...))
	}
	switch file := cfg.EventsFile; {
	case file != "":
		c.Events, eventsErr = event.LoadFile(file, opts...)
	case !cfg.NoEtc && isFile(EtcEventDefinitions):
		c.Events, eventsErr = event.LoadFile(EtcEventDefinitions, opts...)
	default:
		c.Events, eventsErr = event.Load(definitions.Ceilometer, definitions.EventDefinitions, opts...)
	}
	return c, eventsErr, nil
}

// Result is what one notification produced.
type Result struct {
	Samples []processors.Sample
	Events  []*processors.Event
	// Errors are failures inside an endpoint; as in Ceilometer, the failing
	// endpoint's output is dropped and the others' kept.
	Errors []error
}

// Convert runs n through every endpoint.
func (c *Converter) Convert(n *processors.Notification) Result {
	var r Result
	r.Samples, r.Errors = c.Meters.Samples(n)
	if event.HandlesPriority(n.Priority) {
		ev, err := c.Events.Event(n)
		switch {
		case err != nil:
			r.Errors = append(r.Errors, fmt.Errorf("events: %w", err))
		case ev != nil:
			r.Events = []*processors.Event{ev}
		}
	}
	return r
}

// ConvertBody decodes a wire body and converts it. A body that is not a
// notification returns an error wrapping processors.ErrMalformed.
func (c *Converter) ConvertBody(body []byte) (Result, error) {
	n, err := processors.Decode(body)
	if err != nil {
		return Result{}, err
	}
	return c.Convert(n), nil
}

// AppendJSON appends r as one line of `meterflow convert` output:
// {"samples": [...], "events": [...]} plus "errors" when an endpoint failed.
func (r *Result) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"samples":[`...)
	for i := range r.Samples {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = r.Samples[i].AppendJSON(dst)
	}
	dst = append(dst, `],"events":[`...)
	for i, e := range r.Events {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = e.AppendJSON(dst)
	}
	dst = append(dst, ']')
	if len(r.Errors) > 0 {
		dst = append(dst, `,"errors":[`...)
		for i, err := range r.Errors {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, err.Error())
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// AppendError appends the output line for a body that is not a notification.
func AppendError(dst []byte, err error) []byte {
	dst = append(dst, `{"error":`...)
	dst = appendString(dst, err.Error())
	return append(dst, '}')
}

func appendString(dst []byte, s string) []byte {
	return jsonv.Append(dst, s)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
