package service

import (
	"errors"
	"fmt"
	"sort"

	"meterflow/processors/convert"
	"meterflow/sinks"
)

// ErrNotRunning is returned by Reload when the pipelines' sinks changed
// before the service runs: new delivery routes can only join a running
// router.
var ErrNotRunning = errors.New("service is not running yet")

// ErrStopping is returned by Reload once the service is shutting down.
var ErrStopping = errors.New("service is stopping")

// Reload loads the meter and event definitions and both pipelines again,
// from the same places as New (configured files, /etc/ceilometer, the
// shipped ones), and switches to them.
//
// An invalid new configuration is rejected: Reload returns its errors, each
// naming its file and line, and the running definitions stay. A reload is
// stricter than a start here: a meter definition that would be skipped
// rejects it, so that an edit never silently drops a meter.
//
// On success the processing route converts every notification it starts
// from then on with the new definitions; notifications already in flight
// finish with the old ones. Sample and event message ids are
// deterministic, so nothing is dropped or stored twice across the switch.
// Delivery routes of pipeline publishers that are new start before the
// switch; those of publishers that are gone stop after it. A stopped
// route's durable consumer stays in JetStream with its backlog: a later
// reload that brings the publisher back resumes where it stopped. A
// publisher whose URL changed at the same place in its sink takes over the
// old one's durable consumer, backlog included.
func (s *Service) Reload() error {
	if s.cfg.BridgeOnly {
		s.log.Info("definitions not reloaded: bridge only")
		return nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.closing || (s.runCtx != nil && s.runCtx.Err() != nil) {
		return ErrStopping
	}
	defs, err := LoadDefinitions(s.cfg)
	if err != nil {
		return fmt.Errorf("reload rejected: %w", err)
	}
	if len(defs.Converter.Skipped) > 0 {
		return fmt.Errorf("reload rejected: %w", errors.Join(defs.Converter.Skipped...))
	}

	want := map[deliveryKey]bool{}
	var added []deliveryKey
	var started []*delivery
	// replaced are the running routes of publishers whose URL changed at
	// the same place (kind, sink, index): they share the route name and the
	// durable consumer of the new one, so they stop before it starts and
	// the new publisher takes over their backlog.
	var replaced []deliverySpec
	oldSpecs := map[deliveryKey]deliverySpec{}
	for _, spec := range deliverySpecs(s.defs.Load()) {
		oldSpecs[spec.key] = spec
	}
	rollback := func() {
		for _, d := range started {
			d.stop(s.cfg.ShutdownTimeout)
		}
		for _, k := range added {
			delete(s.deliveries, k)
		}
		for _, spec := range replaced {
			if err := s.startDelivery(spec); err != nil {
				s.log.Error("publisher not restored after a rejected reload", "sink", spec.key.sink,
					"publisher", sinks.Redact(spec.key.url), "error", err)
			}
		}
	}
	for _, spec := range deliverySpecs(defs) {
		want[spec.key] = true
		if s.deliveries[spec.key] != nil {
			continue
		}
		for k, d := range s.deliveries {
			if k.kind == spec.key.kind && k.sink == spec.key.sink && k.index == spec.key.index {
				d.stop(s.cfg.ShutdownTimeout)
				delete(s.deliveries, k)
				if old, ok := oldSpecs[k]; ok {
					replaced = append(replaced, old)
				}
			}
		}
		if err := s.startDelivery(spec); err != nil {
			rollback()
			return fmt.Errorf("reload rejected: %w", err)
		}
		added = append(added, spec.key)
		started = append(started, s.deliveries[spec.key])
	}

	old := s.defs.Swap(defs)

	var removed []deliveryKey
	for k, d := range s.deliveries {
		if !want[k] {
			removed = append(removed, k)
			d.stop(s.cfg.ShutdownTimeout)
			delete(s.deliveries, k)
		}
	}
	s.log.Info("definitions reloaded",
		"meters", meterCount(defs.Converter), "meters_before", meterCount(old.Converter),
		"pipeline", defs.Samples.File, "event_pipeline", defs.Events.File,
		"publishers_added", describe(added), "publishers_removed", describe(removed),
		"publishers_replaced", len(replaced))
	return nil
}

// startDelivery adds the delivery route of spec to the running router and
// starts it.
func (s *Service) startDelivery(spec deliverySpec) error {
	select {
	case <-s.router.Running():
	default:
		return fmt.Errorf("%s: sink %q: %w", spec.file, spec.key.sink, ErrNotRunning)
	}
	d, err := s.addDelivery(spec)
	if err != nil {
		return err
	}
	s.deliveries[spec.key] = d
	if d.handler == nil {
		return nil
	}
	if err := s.router.RunHandlers(s.runCtx); err != nil {
		d.stop(s.cfg.ShutdownTimeout)
		delete(s.deliveries, spec.key)
		return fmt.Errorf("%s: sink %q: start: %w", spec.file, spec.key.sink, err)
	}
	return nil
}

func meterCount(c *convert.Converter) int {
	if c == nil || c.Meters == nil {
		return 0
	}
	return len(c.Meters.Definitions())
}

// describe names delivery routes as kind:sink[index]=url (redacted).
func describe(keys []deliveryKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s:%s[%d]=%s", k.kind, k.sink, k.index, sinks.Redact(k.url))
	}
	sort.Strings(out)
	return out
}
