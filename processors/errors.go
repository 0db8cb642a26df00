package processors

import "errors"

// ErrMalformed marks a body that is not an oslo.messaging notification:
// invalid JSON or UTF-8, a broken envelope, a missing event_type. Such a
// message can never succeed; transports dead-letter it with the reason.
var ErrMalformed = errors.New("malformed notification")
