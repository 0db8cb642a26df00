package routes

import "meterflow/processors"

// ErrPermanent marks an error that no retry can fix: the message is
// dead-lettered (published to the dead-letter subject with the reason in a
// header) and acked. Any other error is retried with backoff and then
// nacked for redelivery. It is processors.ErrPermanent.
var ErrPermanent = processors.ErrPermanent

// Permanent wraps err so that IsPermanent reports true for it.
func Permanent(err error) error { return processors.Permanent(err) }

// IsPermanent reports whether err must dead-letter its message: it wraps
// ErrPermanent or processors.ErrMalformed.
func IsPermanent(err error) bool { return processors.IsPermanent(err) }
