package jetstream

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults shared by the configs below. Each config field documents its own
// default on a "Default:" line; these constants are the values.
const (
	// DefaultListenAddr is where the embedded server listens. Loopback only,
	// and deliberately not 4222: that port usually belongs to a system
	// nats-server (it does on the development machines).
	DefaultListenAddr = "127.0.0.1:4233"

	// DefaultServerName names the embedded server.
	DefaultServerName = "meterflow"

	// DefaultReadyTimeout bounds how long StartServer waits for the server.
	DefaultReadyTimeout = 10 * time.Second

	// DefaultStreamMaxAge is the replay horizon of a stream.
	DefaultStreamMaxAge = 7 * 24 * time.Hour

	// DefaultStreamMaxBytes caps a stream's size on disk (10 GiB).
	DefaultStreamMaxBytes int64 = 10 << 30

	// DefaultStreamDuplicates is the deduplication window of a stream.
	DefaultStreamDuplicates = time.Hour

	// DefaultMaxPending is the publisher's window of un-acked async publishes.
	DefaultMaxPending = 1024

	// DefaultAckTimeout bounds the wait for one PubAck.
	DefaultAckTimeout = 10 * time.Second

	// DefaultCloseTimeout bounds graceful Close of publishers and subscribers.
	DefaultCloseTimeout = 30 * time.Second

	// DefaultAckWait is how long JetStream waits for an ack before redelivering.
	DefaultAckWait = 30 * time.Second

	// DefaultPullMaxMessages is how many messages a subscription buffers.
	DefaultPullMaxMessages = 100

	// DefaultPullExpiry is the lifetime of one pull request. A Subscriber's
	// pull requests ask for an idle heartbeat every PullExpiry/4 (from 2 s
	// up): a request lost on the way is noticed after two missed ones and
	// asked again, 5 s by default (nats.go's own iterator took PullExpiry,
	// 30 s, and stalled the consumer meanwhile; nats.go issue 1622). An
	// idle consumer costs one small request per PullExpiry.
	DefaultPullExpiry = 10 * time.Second
)

// ServerConfig configures an embedded nats-server with JetStream.
type ServerConfig struct {
	// ListenAddr is the host:port clients connect to. Port 0 picks a free
	// port; read the result back with Server.ClientURL.
	// Default: DefaultListenAddr ("127.0.0.1:4233").
	ListenAddr string

	// InProcessOnly starts the server without a TCP listener: only
	// connections made with Server.Connect reach it. ListenAddr is ignored.
	// Default: false.
	InProcessOnly bool

	// DataDir holds the JetStream file store. Restarting a server on the same
	// DataDir keeps every stream, message and consumer. Required.
	DataDir string

	// Name is the server name, reported to clients.
	// Default: DefaultServerName ("meterflow").
	Name string

	// User and Password, when set, are required from every client. Set them
	// (or Token) whenever ListenAddr is not a loopback address.
	// Default: no authentication.
	User     string
	Password string

	// Token, when set, is required from every client. Exclusive with User.
	// Default: no authentication.
	Token string

	// MaxStore caps JetStream file storage in bytes. Streams whose MaxBytes
	// exceed what is left are refused by the server.
	// Default: 0, the server's own default: 75% of the free space on DataDir.
	MaxStore int64

	// MaxMemory caps JetStream memory storage in bytes.
	// Default: 0, the server's own default: 75% of system memory.
	MaxMemory int64

	// ReadyTimeout bounds how long StartServer waits for the listener and
	// JetStream to be up. Default: DefaultReadyTimeout (10 seconds).
	ReadyTimeout time.Duration

	// Logger receives the server's log. Fatal server conditions never exit
	// the process; they make StartServer fail instead.
	// Default: watermill.NopLogger.
	Logger watermill.LoggerAdapter
}

func (c *ServerConfig) setDefaults() {
	if c.ListenAddr == "" {
		c.ListenAddr = DefaultListenAddr
	}
	if c.Name == "" {
		c.Name = DefaultServerName
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c ServerConfig) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("%w: server DataDir is required", ErrInvalidOption)
	}
	if !c.InProcessOnly {
		if _, _, err := splitHostPort(c.ListenAddr); err != nil {
			return fmt.Errorf("%w: server ListenAddr %q: %v", ErrInvalidOption, c.ListenAddr, err)
		}
	}
	if c.Token != "" && c.User != "" {
		return fmt.Errorf("%w: server Token and User are exclusive", ErrInvalidOption)
	}
	if (c.User == "") != (c.Password == "") {
		return fmt.Errorf("%w: server User and Password must be set together", ErrInvalidOption)
	}
	if c.MaxStore < 0 || c.MaxMemory < 0 || c.ReadyTimeout < 0 {
		return fmt.Errorf("%w: server MaxStore, MaxMemory and ReadyTimeout must not be negative", ErrInvalidOption)
	}
	return nil
}

func splitHostPort(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q out of range 0-65535", portStr)
	}
	return host, port, nil
}

// StreamConfig is the part of a JetStream stream meterflow manages. Fields
// not listed here (placement, sources, ...) are left as an operator set them.
type StreamConfig struct {
	// Name is the stream name, e.g. "NOTIFICATIONS". Required.
	Name string

	// Subjects the stream captures, e.g. "notifications.>". Required.
	Subjects []string

	// Description is free text shown by `nats stream info`. Default: "".
	Description string

	// MaxAge is the replay horizon: messages older than this are removed
	// whether or not every consumer has processed them.
	// Default: DefaultStreamMaxAge (7 days).
	MaxAge time.Duration

	// MaxBytes caps the stream's size; -1 means unlimited. The server refuses
	// a stream larger than its remaining JetStream storage, so keep it well
	// under the free disk of the data directory.
	// Default: DefaultStreamMaxBytes (10 GiB).
	MaxBytes int64

	// MaxMsgs caps the number of messages; -1 means unlimited. Default: -1.
	MaxMsgs int64

	// MaxMsgSize caps one message; -1 means the server's max_payload (1 MiB
	// unless configured). Default: -1.
	MaxMsgSize int32

	// Duplicates is the window within which a second message with the same
	// Nats-Msg-Id is acknowledged but not stored. The window must outlast the
	// longest gap between a publish and its re-publish: a bridge that persists
	// a message and dies before acking it to RabbitMQ re-publishes it when it
	// reconnects, after a crash loop, a reschedule or a broker failover. The
	// cost is server memory for every id in the window, roughly 150 bytes
	// each: one hour at 100 msg/s is about 55 MB; at 1,000 msg/s, 550 MB.
	// Lower it for very high rates. Must not exceed MaxAge.
	// Default: DefaultStreamDuplicates (1 hour).
	Duplicates time.Duration

	// Replicas is the number of copies in a JetStream cluster (1 to 5); an
	// embedded single server supports only 1. Default: 1.
	Replicas int

	// Storage selects file or memory storage. Changing it on an existing
	// stream is refused with ErrStreamIncompatible.
	// Default: jetstream.FileStorage.
	Storage jetstream.StorageType

	// DiscardOld makes a full stream delete its oldest messages to admit new
	// ones. That is JetStream's usual choice, but it silently drops messages
	// no consumer has processed yet. meterflow's default is the opposite,
	// DiscardNew: a full stream refuses publishes (ErrStreamFull), the bridge
	// stops acking RabbitMQ, and the backlog waits upstream, loudly, until
	// consumers catch up or limits are raised. MaxAge still expires old data.
	// Default: false (DiscardNew).
	DiscardOld bool

	// Compression enables S2 compression of stored messages; JSON
	// notifications typically shrink several-fold, at some CPU cost.
	// Default: false.
	Compression bool
}

func (c *StreamConfig) setDefaults() {
	if c.MaxAge == 0 {
		c.MaxAge = DefaultStreamMaxAge
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultStreamMaxBytes
	}
	if c.MaxMsgs == 0 {
		c.MaxMsgs = -1
	}
	if c.MaxMsgSize == 0 {
		c.MaxMsgSize = -1
	}
	if c.Duplicates == 0 {
		c.Duplicates = DefaultStreamDuplicates
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c StreamConfig) Validate() error {
	if err := validateName("stream Name", c.Name); err != nil {
		return err
	}
	if len(c.Subjects) == 0 {
		return fmt.Errorf("%w: stream %s: Subjects is required", ErrInvalidOption, c.Name)
	}
	for _, s := range c.Subjects {
		if err := validateSubject(s, true); err != nil {
			return fmt.Errorf("%w: stream %s: subject %q: %v", ErrInvalidOption, c.Name, s, err)
		}
	}
	if c.MaxAge < 0 || c.Duplicates < 0 {
		return fmt.Errorf("%w: stream %s: MaxAge and Duplicates must not be negative", ErrInvalidOption, c.Name)
	}
	if c.MaxAge > 0 && c.Duplicates > c.MaxAge {
		return fmt.Errorf("%w: stream %s: Duplicates (%s) exceeds MaxAge (%s)", ErrInvalidOption, c.Name, c.Duplicates, c.MaxAge)
	}
	if c.MaxBytes < -1 || c.MaxMsgs < -1 || c.MaxMsgSize < -1 {
		return fmt.Errorf("%w: stream %s: MaxBytes, MaxMsgs and MaxMsgSize must be -1 (unlimited) or positive", ErrInvalidOption, c.Name)
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		return fmt.Errorf("%w: stream %s: Replicas must be 1 to 5, got %d", ErrInvalidOption, c.Name, c.Replicas)
	}
	if c.Storage != jetstream.FileStorage && c.Storage != jetstream.MemoryStorage {
		return fmt.Errorf("%w: stream %s: unknown Storage %d", ErrInvalidOption, c.Name, c.Storage)
	}
	return nil
}

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// MaxPending is the window of asynchronous publishes awaiting a PubAck,
	// shared by all callers. When it is full, publishing blocks until a
	// PubAck frees a slot or the context ends.
	// Default: DefaultMaxPending (1024).
	MaxPending int

	// AckTimeout bounds the wait for each PubAck. A message whose PubAck
	// does not arrive in time (checked every AckTimeout/8, at least every
	// second) fails with ErrPublishTimeout.
	// Default: DefaultAckTimeout (10 seconds).
	AckTimeout time.Duration

	// MsgID returns the Nats-Msg-Id header for a message, which JetStream
	// uses to drop duplicates within the stream's Duplicates window. An empty
	// result sends no id, and the message is never deduplicated.
	// MsgIDFromMetadataOrUUID opts in to using the watermill UUID.
	// Default: MsgIDFromMetadata (the "Nats-Msg-Id" metadata entry, if any).
	MsgID func(*message.Message) string

	// OnDuplicate, if set, is called when JetStream acknowledges a message as
	// a duplicate of one already stored. The publish still succeeds. It runs
	// on nats.go's ack goroutine and must not block. Default: nil.
	OnDuplicate func(subject, msgID string)

	// CloseTimeout bounds how long Close waits for outstanding PubAcks.
	// Default: DefaultCloseTimeout (30 seconds).
	CloseTimeout time.Duration

	// Logger. Default: watermill.NopLogger.
	Logger watermill.LoggerAdapter
}

func (c *PublisherConfig) setDefaults() {
	if c.MaxPending == 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.AckTimeout == 0 {
		c.AckTimeout = DefaultAckTimeout
	}
	if c.MsgID == nil {
		c.MsgID = MsgIDFromMetadata
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c PublisherConfig) Validate() error {
	if c.MaxPending < 1 {
		return fmt.Errorf("%w: publisher MaxPending must be at least 1, got %d", ErrInvalidOption, c.MaxPending)
	}
	if c.AckTimeout <= 0 || c.CloseTimeout <= 0 {
		return fmt.Errorf("%w: publisher AckTimeout and CloseTimeout must be positive", ErrInvalidOption)
	}
	return nil
}

// NakDelayFunc returns how long JetStream should wait before redelivering a
// message that was Nacked on its numDelivered-th delivery (1 for the first).
type NakDelayFunc func(numDelivered uint64) time.Duration

// ConstantNakDelay redelivers every Nacked message after d (0: at once).
func ConstantNakDelay(d time.Duration) NakDelayFunc {
	return func(uint64) time.Duration { return d }
}

// ExponentialNakDelay redelivers after initial, doubling per delivery up to max.
func ExponentialNakDelay(initial, max time.Duration) NakDelayFunc {
	return func(n uint64) time.Duration {
		d := initial
		for i := uint64(1); i < n && d < max; i++ {
			d *= 2
		}
		return min(d, max)
	}
}

// SubscriberConfig configures a Subscriber on a durable pull consumer.
type SubscriberConfig struct {
	// Durable is the consumer name. Every process subscribing with the same
	// Durable to the same topic shares one consumer and splits its messages.
	// It must not contain whitespace, '.', '*', '>' or path separators.
	// Required.
	Durable string

	// Stream is the stream holding the topic.
	// Default: the stream whose subjects capture the topic, looked up on
	// Subscribe.
	Stream string

	// FilterSubjects restricts the consumer to these subjects.
	// Default: the topic passed to Subscribe.
	FilterSubjects []string

	// AckWait is how long JetStream waits for an Ack before redelivering.
	// Ignored by the server when BackOff is set (BackOff[0] applies).
	// Default: DefaultAckWait (30 seconds).
	AckWait time.Duration

	// MaxAckPending bounds delivered-but-unacked messages across all
	// subscribers of the consumer. One subscription never holds more than
	// PullMaxMessages + Concurrency (+1 on its way to a worker), so more
	// only matters for a durable several subscribers share.
	// Default: PullMaxMessages + Concurrency.
	MaxAckPending int

	// MaxDeliver bounds deliveries of one message; after that JetStream stops
	// redelivering it and emits an advisory. -1 means unlimited: route poison
	// messages to a dead-letter subject and Ack them instead.
	// Default: -1.
	MaxDeliver int

	// BackOff is the redelivery schedule for messages that were neither
	// Acked nor Nacked (ack timeout). Default: none (AckWait every time).
	BackOff []time.Duration

	// PullMaxMessages is how many messages a subscription buffers locally:
	// its pull requests ask for no more than the buffer's free room, so
	// whatever the server sends has a place (see fetchIter). Buffered
	// messages already count against AckWait: keep PullMaxMessages times
	// the handling time per message (divided by Concurrency) well under
	// AckWait, or buffered messages are redelivered elsewhere while waiting.
	// Default: DefaultPullMaxMessages (100).
	PullMaxMessages int

	// PullExpiry is the lifetime of one pull request; it also sets how soon
	// a lost pull request is noticed (see DefaultPullExpiry). Default:
	// DefaultPullExpiry (10 seconds).
	PullExpiry time.Duration

	// Concurrency is how many messages of one subscription may be awaiting
	// Ack or Nack at once. 1 keeps watermill's contract that the next message
	// comes only after the previous one is acked. Default: 1.
	Concurrency int

	// NakDelay decides the redelivery delay of a Nacked message.
	// Default: ExponentialNakDelay(time.Second, time.Minute).
	NakDelay NakDelayFunc

	// AckSync makes Ack wait for the server to confirm it (DoubleAck), so an
	// acked message is guaranteed not to be redelivered. Default: false.
	AckSync bool

	// CloseTimeout bounds how long Close waits for in-flight messages to be
	// Acked or Nacked. Default: DefaultCloseTimeout (30 seconds).
	CloseTimeout time.Duration

	// Logger. Default: watermill.NopLogger.
	Logger watermill.LoggerAdapter
}

func (c *SubscriberConfig) setDefaults() {
	if c.AckWait == 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = -1
	}
	if c.PullMaxMessages == 0 {
		c.PullMaxMessages = DefaultPullMaxMessages
	}
	if c.PullExpiry == 0 {
		c.PullExpiry = DefaultPullExpiry
	}
	if c.Concurrency == 0 {
		c.Concurrency = 1
	}
	if c.MaxAckPending == 0 {
		c.MaxAckPending = c.PullMaxMessages + c.Concurrency
	}
	if c.NakDelay == nil {
		c.NakDelay = ExponentialNakDelay(time.Second, time.Minute)
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c SubscriberConfig) Validate() error {
	if err := validateName("subscriber Durable", c.Durable); err != nil {
		return err
	}
	if c.Stream != "" {
		if err := validateName("subscriber Stream", c.Stream); err != nil {
			return err
		}
	}
	for _, s := range c.FilterSubjects {
		if err := validateSubject(s, true); err != nil {
			return fmt.Errorf("%w: subscriber FilterSubjects %q: %v", ErrInvalidOption, s, err)
		}
	}
	if c.AckWait <= 0 || c.CloseTimeout <= 0 {
		return fmt.Errorf("%w: subscriber AckWait and CloseTimeout must be positive", ErrInvalidOption)
	}
	if c.MaxAckPending < -1 || c.MaxAckPending == 0 {
		return fmt.Errorf("%w: subscriber MaxAckPending must be positive or -1", ErrInvalidOption)
	}
	if c.MaxDeliver < -1 || c.MaxDeliver == 0 {
		return fmt.Errorf("%w: subscriber MaxDeliver must be positive or -1", ErrInvalidOption)
	}
	if c.MaxDeliver != -1 && len(c.BackOff) > c.MaxDeliver {
		return fmt.Errorf("%w: subscriber BackOff has %d steps but MaxDeliver is %d", ErrInvalidOption, len(c.BackOff), c.MaxDeliver)
	}
	for _, b := range c.BackOff {
		if b <= 0 {
			return fmt.Errorf("%w: subscriber BackOff steps must be positive", ErrInvalidOption)
		}
	}
	if err := validatePull(c.PullMaxMessages, c.PullExpiry); err != nil {
		return err
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("%w: subscriber Concurrency must be at least 1", ErrInvalidOption)
	}
	if c.MaxAckPending != -1 && c.Concurrency > c.MaxAckPending {
		return fmt.Errorf("%w: subscriber Concurrency (%d) exceeds MaxAckPending (%d)", ErrInvalidOption, c.Concurrency, c.MaxAckPending)
	}
	return nil
}

// OrderedSubscriberConfig configures an OrderedSubscriber, used to replay a
// stream. Ordered consumers are ephemeral, acknowledge nothing on the server
// and never disturb durable consumers.
type OrderedSubscriberConfig struct {
	// Stream is the stream to replay.
	// Default: the stream whose subjects capture the topic.
	Stream string

	// FilterSubjects restricts the replay to these subjects.
	// Default: the topic passed to Subscribe.
	FilterSubjects []string

	// StartSeq starts the replay at this stream sequence. Exclusive with
	// StartTime. Default: 0 (see StartTime).
	StartSeq uint64

	// StartTime starts the replay at the first message stored at or after
	// this time. Exclusive with StartSeq. With neither set the replay starts
	// at the first retained message. Default: zero.
	StartTime time.Time

	// PullMaxMessages is how many messages the replay buffers.
	// Default: DefaultPullMaxMessages (100).
	PullMaxMessages int

	// PullExpiry is the lifetime of one pull request.
	// Default: DefaultPullExpiry (10 seconds).
	PullExpiry time.Duration

	// NakDelay decides how long a Nacked message waits before it is handed
	// out again. Replays keep order, so nothing after it is delivered
	// meanwhile. Default: ExponentialNakDelay(time.Second, time.Minute).
	NakDelay NakDelayFunc

	// CloseTimeout bounds how long Close waits for the in-flight message to
	// be Acked or Nacked. Default: DefaultCloseTimeout (30 seconds).
	CloseTimeout time.Duration

	// Logger. Default: watermill.NopLogger.
	Logger watermill.LoggerAdapter
}

func (c *OrderedSubscriberConfig) setDefaults() {
	if c.PullMaxMessages == 0 {
		c.PullMaxMessages = DefaultPullMaxMessages
	}
	if c.PullExpiry == 0 {
		c.PullExpiry = DefaultPullExpiry
	}
	if c.NakDelay == nil {
		c.NakDelay = ExponentialNakDelay(time.Second, time.Minute)
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c OrderedSubscriberConfig) Validate() error {
	if c.Stream != "" {
		if err := validateName("ordered subscriber Stream", c.Stream); err != nil {
			return err
		}
	}
	for _, s := range c.FilterSubjects {
		if err := validateSubject(s, true); err != nil {
			return fmt.Errorf("%w: ordered subscriber FilterSubjects %q: %v", ErrInvalidOption, s, err)
		}
	}
	if c.StartSeq != 0 && !c.StartTime.IsZero() {
		return fmt.Errorf("%w: ordered subscriber StartSeq and StartTime are exclusive", ErrInvalidOption)
	}
	if c.CloseTimeout <= 0 {
		return fmt.Errorf("%w: ordered subscriber CloseTimeout must be positive", ErrInvalidOption)
	}
	return validatePull(c.PullMaxMessages, c.PullExpiry)
}

func validatePull(maxMessages int, expiry time.Duration) error {
	if maxMessages < 1 {
		return fmt.Errorf("%w: PullMaxMessages must be at least 1", ErrInvalidOption)
	}
	if expiry < time.Second {
		return fmt.Errorf("%w: PullExpiry must be at least 1s", ErrInvalidOption)
	}
	return nil
}

// validateName checks a stream or consumer name as nats-server does.
func validateName(field, name string) error {
	if name == "" {
		return fmt.Errorf("%w: %s is required", ErrInvalidOption, field)
	}
	if strings.ContainsAny(name, " \t\r\n.*>/\\") {
		return fmt.Errorf("%w: %s %q must not contain whitespace, '.', '*', '>' or path separators", ErrInvalidOption, field, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %s %q contains a control character", ErrInvalidOption, field, name)
		}
	}
	return nil
}

// validateSubject checks a subject; wildcards are allowed only in filters.
func validateSubject(subject string, wildcards bool) error {
	if subject == "" {
		return fmt.Errorf("empty subject")
	}
	if strings.ContainsAny(subject, " \t\r\n") {
		return fmt.Errorf("subject contains whitespace")
	}
	tokens := strings.Split(subject, ".")
	for i, t := range tokens {
		switch {
		case t == "":
			return fmt.Errorf("empty token")
		case t == "*" || t == ">":
			if !wildcards {
				return fmt.Errorf("wildcards are not allowed")
			}
			if t == ">" && i != len(tokens)-1 {
				return fmt.Errorf("'>' must be the last token")
			}
		}
	}
	return nil
}
