// Package wlog adapts log/slog to Watermill's LoggerAdapter without the
// cost Watermill's own adapter pays on every message: the router logs two
// Trace lines per handled message, and watermill.NewSlogLogger turns their
// fields into attributes before slog drops them. This adapter asks the
// handler first, so a disabled level costs one Enabled call.
package wlog

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
)

// Adapter is a watermill.LoggerAdapter over a slog.Logger. Watermill's
// Trace maps to watermill.LevelTrace (below Debug), as in Watermill's own
// adapter, so its lines show only when the handler enables that level.
type Adapter struct {
	log *slog.Logger
}

// New returns an Adapter over l. Default (nil l): slog.Default().
func New(l *slog.Logger) watermill.LoggerAdapter {
	if l == nil {
		l = slog.Default()
	}
	return Adapter{log: l}
}

// Error logs at slog.LevelError with the error as the attribute "error".
func (a Adapter) Error(msg string, err error, fields watermill.LogFields) {
	if a.log.Enabled(context.Background(), slog.LevelError) {
		a.log.Log(context.Background(), slog.LevelError, msg, append(attrs(fields), "error", err)...)
	}
}

// Info logs at slog.LevelInfo.
func (a Adapter) Info(msg string, fields watermill.LogFields) {
	a.logAt(slog.LevelInfo, msg, fields)
}

// Debug logs at slog.LevelDebug.
func (a Adapter) Debug(msg string, fields watermill.LogFields) {
	a.logAt(slog.LevelDebug, msg, fields)
}

// Trace logs at watermill.LevelTrace.
func (a Adapter) Trace(msg string, fields watermill.LogFields) {
	a.logAt(watermill.LevelTrace, msg, fields)
}

// With returns an Adapter that adds fields to every line.
func (a Adapter) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return Adapter{log: a.log.With(attrs(fields)...)}
}

func (a Adapter) logAt(level slog.Level, msg string, fields watermill.LogFields) {
	if a.log.Enabled(context.Background(), level) {
		a.log.Log(context.Background(), level, msg, attrs(fields)...)
	}
}

// attrs turns fields into slog's alternating key, value arguments.
func attrs(fields watermill.LogFields) []any {
	out := make([]any, 0, 2*len(fields)+2)
	for k, v := range fields {
		out = append(out, k, v)
	}
	return out
}

// Throttled wraps l so that Error lines with the same message are written
// at most once per interval, the first at once and each later one with
// "suppressed", the number of lines left out since. A route's Retry
// middleware logs every failed attempt at Error: while a sink's backend
// is down that is one line per message and attempt, thousands a second,
// which a throttled logger turns into one line per interval, the retries
// themselves still counted in the route's metrics. Loggers made by With
// share the throttling. Other levels pass through.
func Throttled(l watermill.LoggerAdapter, interval time.Duration) watermill.LoggerAdapter {
	return &throttled{LoggerAdapter: l, state: &throttleState{interval: interval, now: time.Now, last: map[string]*lastLine{}}}
}

type throttled struct {
	watermill.LoggerAdapter
	state *throttleState
}

type throttleState struct {
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	last map[string]*lastLine
}

type lastLine struct {
	at         time.Time
	suppressed int
}

// maxThrottled bounds how many distinct messages are remembered.
const maxThrottled = 1024

// Error writes the line unless one with the same message was written less
// than the interval ago.
func (t *throttled) Error(msg string, err error, fields watermill.LogFields) {
	suppressed, ok := t.state.allow(msg)
	if !ok {
		return
	}
	if suppressed > 0 {
		fields = fields.Add(watermill.LogFields{"suppressed": suppressed})
	}
	t.LoggerAdapter.Error(msg, err, fields)
}

// With adds fields; the new logger shares t's throttling.
func (t *throttled) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return &throttled{LoggerAdapter: t.LoggerAdapter.With(fields), state: t.state}
}

// allow reports whether a line with msg may be written now, and how many
// were left out since the last one.
func (s *throttleState) allow(msg string) (suppressed int, ok bool) {
	at := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l, seen := s.last[msg]
	if seen && at.Sub(l.at) < s.interval {
		l.suppressed++
		return 0, false
	}
	if !seen {
		if len(s.last) >= maxThrottled {
			clear(s.last)
		}
		l = &lastLine{}
		s.last[msg] = l
	}
	suppressed = l.suppressed
	l.at, l.suppressed = at, 0
	return suppressed, true
}
