package amqp

import "errors"

// ErrInvalidConfig wraps every configuration error of this package.
var ErrInvalidConfig = errors.New("amqp: invalid configuration")

// ErrClosed is returned by a Subscriber used after Close.
var ErrClosed = errors.New("amqp: subscriber closed")
