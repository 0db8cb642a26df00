package amqp

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// DefaultExchanges is Ceilometer 19's notification_control_exchanges.
var DefaultExchanges = []string{"nova", "glance", "neutron", "cinder", "heat",
	"keystone", "sahara", "trove", "zaqar", "swift", "ceilometer", "magnum",
	"dns", "ironic", "aodh"}

// DefaultPriorities are all the priorities oslo.messaging's Notifier sends.
var DefaultPriorities = []string{"audit", "debug", "info", "warn", "error", "critical", "sample"}

// Config configures a Subscriber. The zero value of every field means its
// documented default.
type Config struct {
	// Brokers are oslo.messaging transport URLs, one per RabbitMQ deployment
	// (like Ceilometer's messaging_urls); each may list several hosts for
	// failover. Default: rabbit://guest:guest@localhost:5672/.
	Brokers []string

	// Exchanges are the control exchanges the services publish to.
	// Default: DefaultExchanges.
	Exchanges []string

	// Priorities to consume. Default: DefaultPriorities.
	Priorities []string

	// QueuePrefix names meterflow's own queues "<prefix>.<topic>.<priority>",
	// so that an existing Ceilometer keeps its own "<topic>.<priority>"
	// queues: meterflow gets a copy of every notification (shadow mode).
	// Default: "meterflow".
	QueuePrefix string

	// CeilometerQueues consumes Ceilometer's own queue names
	// ("<topic>.<priority>") instead, taking over from Ceilometer.
	// Default: false.
	CeilometerQueues bool

	// Durable mirrors oslo.messaging's amqp_durable_queues: exchanges and
	// queues meterflow has to create are durable. Existing exchanges and
	// queues are used as they are (declared passively first), so a
	// mismatch with the services' settings never fails. Default: false,
	// oslo's default.
	Durable bool

	// Quorum mirrors oslo's rabbit_quorum_queue: queues are created as
	// quorum queues (x-queue-type=quorum), which implies Durable.
	// Default: false.
	Quorum bool

	// Prefetch is the AMQP prefetch count per queue: how many deliveries
	// may be in flight (unacked) at once. Default: 1000.
	Prefetch int

	// AckBatch is the number of settled deliveries after which acks are
	// flushed with one multiple-ack even while more are arriving; when the
	// flow pauses they are flushed at once. Default: 200.
	AckBatch int

	// ReconnectMin and ReconnectMax bound the exponential backoff between
	// connection attempts. Defaults: 200ms and 30s.
	ReconnectMin, ReconnectMax time.Duration

	// ShutdownTimeout bounds how long Close waits for delivered messages to
	// be settled. Default: 30s.
	ShutdownTimeout time.Duration

	// TLS configures amqps:// (and ?ssl=1) brokers: RootCAs verify the
	// broker, Certificates authenticate meterflow (LoadTLS builds it from
	// PEM files). TLS files named in a broker's URL override its roots and
	// certificate for that broker. ServerName defaults to each host's
	// name. It never turns TLS on for a plain amqp:// broker.
	// Default: the system roots, no client certificate.
	TLS *tls.Config

	// Logger receives connection events. Default: slog.Default().
	Logger *slog.Logger

	// OnConnection, if set, is called when a broker connects (true) or
	// disconnects (false), with its redacted name.
	OnConnection func(broker string, connected bool)
}

func (c *Config) setDefaults() {
	if len(c.Brokers) == 0 {
		c.Brokers = []string{"rabbit://guest:guest@localhost:5672/"}
	}
	if len(c.Exchanges) == 0 {
		c.Exchanges = DefaultExchanges
	}
	if len(c.Priorities) == 0 {
		c.Priorities = DefaultPriorities
	}
	if c.QueuePrefix == "" {
		c.QueuePrefix = "meterflow"
	}
	if c.Prefetch == 0 {
		c.Prefetch = 1000
	}
	if c.AckBatch == 0 {
		c.AckBatch = 200
	}
	if c.ReconnectMin == 0 {
		c.ReconnectMin = 200 * time.Millisecond
	}
	if c.ReconnectMax == 0 {
		c.ReconnectMax = 30 * time.Second
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports the first configuration error, wrapped in ErrInvalidConfig.
func (c *Config) Validate() error {
	for _, raw := range c.Brokers {
		b, err := ParseTransportURL(raw)
		if err != nil {
			return err
		}
		if b.TLS {
			if _, err := b.TLSConfig(c.TLS, b.Hosts[0]); err != nil {
				return fmt.Errorf("broker %s: %w", b.Name, err)
			}
		}
	}
	for _, p := range c.Priorities {
		if !contains(DefaultPriorities, p) {
			return fmt.Errorf("%w: priority %q is not one of %s", ErrInvalidConfig, p, strings.Join(DefaultPriorities, ", "))
		}
	}
	for _, e := range c.Exchanges {
		if e == "" {
			return fmt.Errorf("%w: empty exchange name", ErrInvalidConfig)
		}
	}
	if c.Prefetch < 1 || c.Prefetch > 65535 {
		return fmt.Errorf("%w: prefetch %d is not in 1..65535", ErrInvalidConfig, c.Prefetch)
	}
	if c.AckBatch < 1 {
		return fmt.Errorf("%w: ack batch %d is below 1", ErrInvalidConfig, c.AckBatch)
	}
	if c.ReconnectMin <= 0 || c.ReconnectMax < c.ReconnectMin {
		return fmt.Errorf("%w: reconnect backoff %v..%v", ErrInvalidConfig, c.ReconnectMin, c.ReconnectMax)
	}
	return nil
}

// QueueName is the queue consumed for an oslo topic and priority.
func (c *Config) QueueName(topic, priority string) string {
	if c.CeilometerQueues {
		return topic + "." + priority
	}
	return c.QueuePrefix + "." + topic + "." + priority
}

func (c *Config) durable() bool { return c.Durable || c.Quorum }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
