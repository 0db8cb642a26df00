package amqp

import (
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// declare makes sure every exchange and queue exists and every queue is
// bound to every exchange with "<topic>.<priority>". Existing exchanges and
// queues are checked passively and used as they are, so meterflow never
// fails with PRECONDITION_FAILED against what oslo.messaging (or Ceilometer)
// declared with other durability or arguments. What is missing is created
// like oslo.messaging creates it: topic exchanges, durability from
// Durable/Quorum, not auto-deleted.
func (s *Subscriber) declare(conn *amqp.Connection, topic string) error {
	for _, ex := range s.cfg.Exchanges {
		if err := DeclarePassiveFirst(conn, func(ch *amqp.Channel) error {
			return ch.ExchangeDeclarePassive(ex, "topic", s.cfg.durable(), false, false, false, nil)
		}, func(ch *amqp.Channel) error {
			return ch.ExchangeDeclare(ex, "topic", s.cfg.durable(), false, false, false, nil)
		}); err != nil {
			return fmt.Errorf("declare exchange %q: %w", ex, err)
		}
	}
	var args amqp.Table
	if s.cfg.Quorum {
		args = amqp.Table{"x-queue-type": "quorum"}
	}
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	for _, prio := range s.cfg.Priorities {
		queue := s.cfg.QueueName(topic, prio)
		if err := DeclarePassiveFirst(conn, func(ch *amqp.Channel) error {
			_, err := ch.QueueDeclarePassive(queue, s.cfg.durable(), false, false, false, nil)
			return err
		}, func(ch *amqp.Channel) error {
			_, err := ch.QueueDeclare(queue, s.cfg.durable(), false, false, false, args)
			return err
		}); err != nil {
			return fmt.Errorf("declare queue %q: %w", queue, err)
		}
		key := topic + "." + prio
		for _, ex := range s.cfg.Exchanges {
			if err := ch.QueueBind(queue, key, ex, false, nil); err != nil {
				return fmt.Errorf("bind queue %q to exchange %q with %q: %w", queue, ex, key, err)
			}
		}
	}
	return nil
}

// DeclarePassiveFirst runs check (a passive declare) on a fresh channel
// and, only if the entity does not exist (404, which closes that channel),
// create on another. Existing exchanges and queues are thus used as they
// are, whatever their durability or arguments: declaring them again with
// other settings would fail with PRECONDITION_FAILED.
func DeclarePassiveFirst(conn *amqp.Connection, check, create func(*amqp.Channel) error) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	err = check(ch)
	if err == nil {
		return ch.Close()
	}
	var amqpErr *amqp.Error
	if !errors.As(err, &amqpErr) || amqpErr.Code != amqp.NotFound {
		return err
	}
	ch, err = conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return create(ch)
}
