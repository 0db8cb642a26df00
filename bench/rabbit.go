package bench

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	amqpt "meterflow/transport/amqp"
)

// declareExchanges creates exchanges unless they exist, as oslo.messaging
// creates them (topic, not durable).
func declareExchanges(conn *amqp.Connection, exchanges []string) error {
	for _, ex := range exchanges {
		if err := amqpt.DeclarePassiveFirst(conn, func(ch *amqp.Channel) error {
			return ch.ExchangeDeclarePassive(ex, "topic", false, false, false, false, nil)
		}, func(ch *amqp.Channel) error {
			return ch.ExchangeDeclare(ex, "topic", false, false, false, false, nil)
		}); err != nil {
			return fmt.Errorf("declare exchange %q: %w", ex, err)
		}
	}
	return nil
}

// declareQueues declares each queue (not durable, no arguments: as
// oslo.messaging and meterflow declare them by default) and binds it to
// every corpus exchange with the routing keys <topic>.<priority> of its
// priorities.
func (b *run) declareQueues(topic string, queues map[string][]string) error {
	return b.declareQueuesOn(b.exchanges, topic, queues)
}

// declareQueuesOn is declareQueues binding to exchanges.
func (b *run) declareQueuesOn(exchanges []string, topic string, queues map[string][]string) error {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return fmt.Errorf("RabbitMQ: %w", err)
	}
	defer conn.Close()
	if err := declareExchanges(conn, exchanges); err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	for q, prios := range queues {
		b.created = append(b.created, q)
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			return fmt.Errorf("declare queue %q: %w", q, err)
		}
		for _, p := range prios {
			for _, ex := range exchanges {
				if err := ch.QueueBind(q, topic+"."+p, ex, false, nil); err != nil {
					return fmt.Errorf("bind queue %q: %w", q, err)
				}
			}
		}
	}
	return nil
}

// publisher is a confirmed channel publishing notifications with the
// routing keys <topic>.<priority>.
type publisher struct {
	conn  *amqp.Connection
	ch    *amqp.Channel
	topic string
	last  *amqp.DeferredConfirmation
}

func (b *run) newPublisher(topic string) (*publisher, error) {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return nil, fmt.Errorf("RabbitMQ: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &publisher{conn: conn, ch: ch, topic: topic}, nil
}

func (p *publisher) publish(n notification) error {
	var err error
	p.last, err = p.ch.PublishWithDeferredConfirm(n.Exchange, p.topic+"."+n.Priority, false, false,
		amqp.Publishing{ContentType: "application/json", Body: n.Body})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// close waits until the broker confirmed everything published, then
// closes the connection.
func (p *publisher) close(ctx context.Context) error {
	defer p.conn.Close()
	if p.last == nil {
		return nil
	}
	if ok, err := p.last.WaitContext(ctx); err != nil || !ok {
		return fmt.Errorf("publish not confirmed: %v", err)
	}
	return nil
}

// publish publishes ns with <topic>.<priority> and waits for the broker to
// confirm them all.
func (b *run) publish(ctx context.Context, topic string, ns []notification) error {
	p, err := b.newPublisher(topic)
	if err != nil {
		return err
	}
	for _, n := range ns {
		if err := p.publish(n); err != nil {
			p.conn.Close()
			return err
		}
		if ctx.Err() != nil {
			p.conn.Close()
			return ctx.Err()
		}
	}
	return p.close(ctx)
}

// publishAt publishes ns at rate notifications per second (a notification
// late on its schedule goes at once, so the average rate holds) and returns
// the time each was published: stamped just before its publish call.
func (b *run) publishAt(ctx context.Context, topic string, ns []notification, rate int) ([]time.Time, error) {
	p, err := b.newPublisher(topic)
	if err != nil {
		return nil, err
	}
	stamps := make([]time.Time, len(ns))
	start := time.Now()
	for i, n := range ns {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		stamps[i] = time.Now()
		if err := p.publish(n); err != nil {
			p.conn.Close()
			return nil, err
		}
		if ctx.Err() != nil {
			p.conn.Close()
			return nil, ctx.Err()
		}
	}
	return stamps, p.close(ctx)
}

// queueWatch reads queue depths over one connection.
type queueWatch struct {
	conn *amqp.Connection
	ch   *amqp.Channel
}

func (b *run) watchQueues() (*queueWatch, error) {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return nil, fmt.Errorf("RabbitMQ: %w", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &queueWatch{conn: conn, ch: ch}, nil
}

// ready returns how many messages are ready (not delivered) in the queues.
func (w *queueWatch) ready(queues ...string) (int, error) {
	total := 0
	for _, q := range queues {
		st, err := w.ch.QueueDeclarePassive(q, false, false, false, false, nil)
		if err != nil {
			return 0, fmt.Errorf("queue %q: %w", q, err)
		}
		total += st.Messages
	}
	return total, nil
}

func (w *queueWatch) close() { w.conn.Close() }

// deleteQueues deletes the queues; one that does not exist is not an
// error.
func (b *run) deleteQueues(queues ...string) error {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return fmt.Errorf("delete queues: %w", err)
	}
	defer conn.Close()
	var ch *amqp.Channel
	for _, q := range queues {
		if ch == nil || ch.IsClosed() {
			if ch, err = conn.Channel(); err != nil {
				return fmt.Errorf("delete queues: %w", err)
			}
		}
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			if e, ok := err.(*amqp.Error); ok && e.Code == amqp.NotFound {
				continue
			}
			return fmt.Errorf("delete queue %q: %w", q, err)
		}
	}
	return nil
}
