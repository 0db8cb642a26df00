package replay

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"meterflow/processors/convert"
	"meterflow/processors/pipeline"
	"meterflow/routes"
)

// Summary is what a replay did.
type Summary struct {
	// Total is how many notifications the selection held when it started.
	Total uint64
	// Notifications is how many were read and converted.
	Notifications uint64
	// Samples and Events count what the conversion produced, per meter and
	// per event type (before Config.Sink selects).
	Samples map[string]uint64
	Events  map[string]uint64
	// Published is how many messages were sent; Stored of them JetStream
	// stored, Duplicates it already had (within the duplicate window).
	Published, Stored, Duplicates uint64
	// Errors counts notifications that are not ones and messages that
	// were not stored; Logged holds the first few.
	Errors  uint64
	Logged  []error
	Elapsed time.Duration

	mu sync.Mutex
}

func newSummary() *Summary {
	return &Summary{Samples: map[string]uint64{}, Events: map[string]uint64{}}
}

func (s *Summary) addError(r *run, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Errors++
	if len(s.Logged) < maxLoggedErrors {
		s.Logged = append(s.Logged, err)
		r.log().Warn("replay error", "error", err)
	}
}

func (s *Summary) add(r *run, c *counts) {
	s.Notifications += c.notifications
	for k, v := range c.samples {
		s.Samples[k] += v
	}
	for k, v := range c.events {
		s.Events[k] += v
	}
	for _, err := range c.errs {
		s.addError(r, err)
	}
}

// WriteTo writes the summary for people: totals, then one line per meter
// and per event type.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Notifications) / s.Elapsed.Seconds()
	}
	fmt.Fprintf(cw, "notifications read: %d of %d in %s (%.0f/s)\n", s.Notifications, s.Total, s.Elapsed.Round(time.Millisecond), rate)
	if s.Published > 0 {
		fmt.Fprintf(cw, "messages published: %d (stored %d, already present %d)\n", s.Published, s.Stored, s.Duplicates)
	}
	fmt.Fprintf(cw, "errors: %d\n", s.Errors)
	tw := tabwriter.NewWriter(cw, 0, 4, 2, ' ', 0)
	for _, part := range []struct {
		title string
		m     map[string]uint64
	}{{"samples", s.Samples}, {"events", s.Events}} {
		var sum uint64
		for _, v := range part.m {
			sum += v
		}
		fmt.Fprintf(tw, "%s: %d\n", part.title, sum)
		keys := make([]string, 0, len(part.m))
		for k := range part.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(tw, "  %s\t%d\n", k, part.m[k])
		}
	}
	err := tw.Flush()
	return cw.n, err
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// counts is one batch's share of the Summary.
type counts struct {
	notifications   uint64
	samples, events map[string]uint64
	errs            []error
}

func newCounts() counts {
	return counts{samples: map[string]uint64{}, events: map[string]uint64{}}
}

// reset empties c for another batch, keeping its maps.
func (c *counts) reset() {
	c.notifications = 0
	clear(c.samples)
	clear(c.events)
	c.errs = nil
}

func (c *counts) result(r *convert.Result) {
	if r == nil {
		return
	}
	for i := range r.Samples {
		c.samples[r.Samples[i].Name]++
	}
	for _, e := range r.Events {
		c.events[e.EventType]++
	}
}

func routesTo(pipes []pipeline.Pipeline, sink string) bool {
	for _, p := range pipes {
		if p.Sink.Name == sink {
			return true
		}
	}
	return false
}

func newDefsPointer(d *routes.Definitions) *atomic.Pointer[routes.Definitions] {
	p := new(atomic.Pointer[routes.Definitions])
	p.Store(d)
	return p
}
