package amqp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"
)

// runBroker keeps one broker's consumers running until ctx is done or the
// subscriber closes: connect (hosts in order, exponential backoff between
// rounds), declare the topology, consume every queue, and start over when
// the connection drops.
func (s *Subscriber) runBroker(ctx context.Context, b Broker, topic string, out chan<- *message.Message) {
	log := s.cfg.Logger.With("broker", b.Name)
	backoff := s.cfg.ReconnectMin
	for {
		if s.stopped(ctx) {
			return
		}
		conn, host, err := s.dial(b)
		if err == nil {
			err = s.declare(conn, topic)
			if err != nil {
				_ = conn.Close()
			}
		}
		if err != nil {
			log.Warn("rabbitmq unavailable, retrying", "error", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-s.closing:
				return
			case <-ctx.Done():
				return
			}
			backoff = min(backoff*2, s.cfg.ReconnectMax)
			continue
		}
		backoff = s.cfg.ReconnectMin
		log.Info("rabbitmq connected", "host", Redact(host))
		s.connected.Add(1)
		if s.cfg.OnConnection != nil {
			s.cfg.OnConnection(b.Name, true)
		}
		err = s.consumeAll(ctx, conn, b, topic, out)
		s.connected.Add(-1)
		if s.cfg.OnConnection != nil {
			s.cfg.OnConnection(b.Name, false)
		}
		_ = conn.Close()
		if s.stopped(ctx) {
			return
		}
		log.Warn("rabbitmq connection lost, reconnecting", "error", err)
	}
}

func (s *Subscriber) stopped(ctx context.Context) bool {
	select {
	case <-s.closing:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

func (s *Subscriber) dial(b Broker) (*amqp.Connection, string, error) {
	var errs []error
	for _, host := range b.Hosts {
		cfg := amqp.Config{
			Heartbeat:  10 * time.Second,
			Properties: amqp.Table{"connection_name": "meterflow"},
			Locale:     "en_US",
		}
		if b.TLS {
			tlsCfg, err := b.TLSConfig(s.cfg.TLS, host)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", Redact(host), err))
				continue
			}
			cfg.TLSClientConfig = tlsCfg
		}
		conn, err := amqp.DialConfig(host, cfg)
		if err == nil {
			return conn, host, nil
		}
		if b.TLS {
			err = describeTLSError(err, len(cfg.TLSClientConfig.Certificates) > 0)
		}
		errs = append(errs, fmt.Errorf("%s: %w", Redact(host), err))
	}
	return nil, "", errors.Join(errs...)
}

// consumeAll runs a consumer per priority queue, each on its own channel,
// and returns when the connection fails or the subscriber stops.
func (s *Subscriber) consumeAll(ctx context.Context, conn *amqp.Connection, b Broker, topic string, out chan<- *message.Message) error {
	connClosed := conn.NotifyClose(make(chan *amqp.Error, 1))
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(s.cfg.Priorities))
	for _, prio := range s.cfg.Priorities {
		ch, err := conn.Channel()
		if err != nil {
			cancel()
			wg.Wait()
			return fmt.Errorf("open channel: %w", err)
		}
		queue := s.cfg.QueueName(topic, prio)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ch.Close()
			if err := s.consumeQueue(stop, ch, b, queue, out); err != nil {
				errs <- err
			}
		}()
	}
	var err error
	select {
	case e := <-connClosed:
		if e != nil {
			err = e
		} else {
			err = errors.New("connection closed")
		}
	case err = <-errs:
	case <-stop.Done():
	case <-s.closing:
		// consumers drain by themselves: their handlers may still ack
		wg.Wait()
		return nil
	}
	cancel()
	wg.Wait()
	return err
}
