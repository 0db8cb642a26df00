package routes

import (
	"errors"

	"meterflow/processors"
)

// ErrPermanent marks an error that no retry can fix. A handler returning an
// error that wraps it has its message dead-lettered (published to the
// dead-letter subject with the reason in a header) and acked; any other
// error is retried with backoff and then nacked for redelivery.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that IsPermanent reports true for it.
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
// ErrPermanent or processors.ErrMalformed.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrPermanent) || errors.Is(err, processors.ErrMalformed)
}
