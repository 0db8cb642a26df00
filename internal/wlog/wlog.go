// Package wlog adapts log/slog to Watermill's LoggerAdapter without the
// cost Watermill's own adapter pays on every message: the router logs two
// Trace lines per handled message, and watermill.NewSlogLogger turns their
// fields into attributes before slog drops them. This adapter asks the
// handler first, so a disabled level costs one Enabled call.
package wlog

import (
	"context"
	"log/slog"

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
