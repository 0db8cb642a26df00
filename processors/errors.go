package processors

import "errors"

// ErrMalformed marks a body that is not an oslo.messaging notification:
// invalid JSON or UTF-8, a broken envelope, a missing event_type. Such a
// message can never succeed; transports dead-letter it with the reason.
var ErrMalformed = errors.New("malformed notification")

// ErrPermanent marks a failure no retry can fix (a backend rejected a
// sample for good, a handler cannot process a message). A message whose
// handler returns an error wrapping it is dead-lettered with the reason and
// acked; any other error is retried with backoff and then redelivered.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// IsPermanent reports whether err must dead-letter its message: it wraps
// ErrPermanent or ErrMalformed.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrPermanent) || errors.Is(err, ErrMalformed)
}
