package routes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// DeadLetterPrefix is the subject prefix of the DEADLETTER stream; a route's
// dead letters go to deadletter.<route>.
const DeadLetterPrefix = "deadletter"

// DeadLetter returns the middleware that publishes a message whose handler
// failed permanently (IsPermanent) to deadletter.<route>, with the reason in
// the reason_poisoned header, and acks it. Other errors pass through.
// It is Watermill's poison-queue middleware with meterflow's filter; dead
// letters are deduplicated by a hash of their body.
func DeadLetter(pub message.Publisher, route string) (message.HandlerMiddleware, error) {
	return middleware.PoisonQueueWithFilter(deadLetterIDs{pub}, DeadLetterPrefix+"."+Tokens(route), IsPermanent)
}

// deadLetterIDs gives every dead letter a Nats-Msg-Id derived from its body,
// so a message redelivered before its ack reached the broker is stored once.
type deadLetterIDs struct{ message.Publisher }

func (p deadLetterIDs) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		sum := sha256.Sum256(m.Payload)
		m.Metadata.Set(HeaderMsgID, "dl:"+hex.EncodeToString(sum[:16]))
	}
	return p.Publisher.Publish(topic, msgs...)
}

// RecoverAsPermanent turns a panic in a handler into a permanent error, so
// that a message that crashes its handler is dead-lettered instead of being
// redelivered forever.
func RecoverAsPermanent(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) (out []*message.Message, err error) {
		defer func() {
			if r := recover(); r != nil {
				out, err = nil, Permanent(fmt.Errorf("handler panicked: %v", r))
			}
		}()
		return h(msg)
	}
}
