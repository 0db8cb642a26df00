package jetstream

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// EnsureStream creates the stream described by cfg, or updates an existing
// stream of that name to match it. Unset fields of cfg take the defaults
// documented on StreamConfig. Settings StreamConfig does not manage
// (placement, sources, metadata, ...) are kept as they are on the server.
// An unchanged stream is not touched.
//
// Raising or lowering limits works on a live stream; lowering MaxBytes or
// MaxAge below what is stored removes the oldest messages at once. A change
// the server refuses (storage type, subjects overlapping another stream,
// more replicas than servers, more bytes than the server can store) returns
// an error wrapping ErrStreamIncompatible and the server's reason.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) (jetstream.Stream, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}

	s, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, cfg.apply(jetstream.StreamConfig{}))
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return nil, streamError("create", cfg.Name, err)
		}
		// Another process created it meanwhile: update it instead.
		s, err = js.Stream(ctx, cfg.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("jetstream: look up stream %s: %w", cfg.Name, err)
	}

	current := s.CachedInfo().Config
	want := cfg.apply(current)
	if managedEqual(current, want) {
		return s, nil
	}
	if current.Storage != want.Storage {
		return nil, fmt.Errorf("%w: stream %s: storage cannot change from %s to %s; create a new stream and move consumers",
			ErrStreamIncompatible, cfg.Name, current.Storage, want.Storage)
	}
	s, err = js.UpdateStream(ctx, want)
	if err != nil {
		return nil, streamError("update", cfg.Name, err)
	}
	return s, nil
}

// apply overlays the managed fields on base.
func (c StreamConfig) apply(base jetstream.StreamConfig) jetstream.StreamConfig {
	base.Name = c.Name
	base.Subjects = slices.Clone(c.Subjects)
	base.Description = c.Description
	base.MaxAge = c.MaxAge
	base.MaxBytes = c.MaxBytes
	base.MaxMsgs = c.MaxMsgs
	base.MaxMsgSize = c.MaxMsgSize
	base.Duplicates = c.Duplicates
	base.Replicas = c.Replicas
	base.Storage = c.Storage
	base.Discard = jetstream.DiscardNew
	if c.DiscardOld {
		base.Discard = jetstream.DiscardOld
	}
	base.Compression = jetstream.NoCompression
	if c.Compression {
		base.Compression = jetstream.S2Compression
	}
	return base
}

func managedEqual(a, b jetstream.StreamConfig) bool {
	return slices.Equal(a.Subjects, b.Subjects) &&
		a.Description == b.Description &&
		a.MaxAge == b.MaxAge &&
		a.MaxBytes == b.MaxBytes &&
		a.MaxMsgs == b.MaxMsgs &&
		a.MaxMsgSize == b.MaxMsgSize &&
		a.Duplicates == b.Duplicates &&
		a.Replicas == b.Replicas &&
		a.Storage == b.Storage &&
		a.Discard == b.Discard &&
		a.Compression == b.Compression
}

// streamError marks server refusals as ErrStreamIncompatible; transport
// errors (timeouts, no JetStream) are returned as they are.
func streamError(op, name string, err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("%w: %s stream %s: %w", ErrStreamIncompatible, op, name, err)
	}
	return fmt.Errorf("jetstream: %s stream %s: %w", op, name, err)
}
