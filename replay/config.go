package replay

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"meterflow/routes"
	"meterflow/service"
	"meterflow/sinks"
)

// ErrInvalidOption wraps every configuration error.
var ErrInvalidOption = errors.New("replay: invalid option")

// StreamReplay captures what a namespace replay publishes: replay.>.
const StreamReplay = "REPLAY"

// Prefix is the subject prefix of namespace replays:
// replay.<namespace>.samples.<sink>.<meter>.
const Prefix = "replay"

// DefaultBatchSize is Config.BatchSize's default: large enough that handing
// batches on costs nothing measurable, small enough that what is in flight
// (the batches queued, being converted and being written, and two the
// server sent ahead: about Workers + 5 batches of bodies) stays a few tens
// of MiB.
const DefaultBatchSize = 1000

// GCPercent is the garbage collector's target the replay command sets
// unless GOGC is set: a replay allocates fast while its live heap stays
// small (the batches in flight, and with --data the server's caches), so
// collecting half as often saves about a seventh of its CPU time for about
// 1.4 times the memory (200,000 notifications from a stopped store: 4.7
// CPU seconds and 220 MiB RSS at Go's default 100, 4.1 and 300 MiB at 200).
const GCPercent = 200

// Config selects what to replay and where to. Zero values mean the
// documented defaults.
type Config struct {
	// Definitions convert and route the notifications: the current meters,
	// events and pipelines (service.LoadDefinitions). Required.
	Definitions *routes.Definitions
	// Secret signs samples and events. Default: sinks.DefaultSecret.
	Secret string

	// Stream is the log to replay. Default: service.StreamNotifications.
	Stream string
	// Subjects filter the notifications (wildcards allowed).
	// Default: every notification ("notifications.>").
	Subjects []string
	// FromSeq starts at this stream sequence; exclusive with From.
	// Default: the first retained notification.
	FromSeq uint64
	// From starts at the first notification stored at or after it.
	From time.Time
	// ToSeq ends with this stream sequence (inclusive). Default: the last
	// sequence when the replay starts; later notifications are never read.
	ToSeq uint64
	// Until ends before the first notification stored at or after it.
	Until time.Time

	// Sink keeps only the messages (and, in a dry run, the samples and
	// events) of this pipeline sink. Default: every sink.
	Sink string
	// Namespace publishes to replay.<Namespace>.<live subject>, in stream
	// REPLAY (created when missing), instead of the live subjects, with
	// message ids of their own (NamespaceMsgID).
	Namespace string
	// Output makes the replay a dry run: the samples and events are written
	// to it as JSON lines (Ceilometer's as_dict()) and nothing is published.
	Output io.Writer

	// Workers convert in parallel; the output order stays the stream's.
	// Default: runtime.GOMAXPROCS(0).
	Workers int
	// BatchSize is how many notifications are handed to a worker at once;
	// the server sends ahead up to two batches. Default: DefaultBatchSize.
	BatchSize int
	// Progress, if set, is told the total and each batch done.
	Progress *Progress
	// Logger. Default: slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Secret == "" {
		c.Secret = sinks.DefaultSecret
	}
	if c.Stream == "" {
		c.Stream = service.StreamNotifications
	}
	if len(c.Subjects) == 0 {
		c.Subjects = []string{routes.NotificationsPrefix + ".>"}
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c Config) Validate() error {
	switch {
	case c.Definitions == nil:
		return fmt.Errorf("%w: no definitions", ErrInvalidOption)
	case c.FromSeq != 0 && !c.From.IsZero():
		return fmt.Errorf("%w: a start sequence and a start time are exclusive", ErrInvalidOption)
	case c.ToSeq != 0 && c.FromSeq > c.ToSeq:
		return fmt.Errorf("%w: start sequence %d is after end sequence %d", ErrInvalidOption, c.FromSeq, c.ToSeq)
	case !c.Until.IsZero() && !c.From.IsZero() && !c.From.Before(c.Until):
		return fmt.Errorf("%w: start time %s is not before end time %s", ErrInvalidOption, c.From.Format(time.RFC3339), c.Until.Format(time.RFC3339))
	case c.Namespace != "" && c.Output != nil:
		return fmt.Errorf("%w: a namespace and an output file are exclusive", ErrInvalidOption)
	case c.Namespace != "" && (routes.Token(c.Namespace) != c.Namespace || strings.Contains(c.Namespace, ".")):
		return fmt.Errorf("%w: namespace %q must be one subject token (no dots, wildcards or spaces)", ErrInvalidOption, c.Namespace)
	case c.Workers < 1 || c.BatchSize < 1:
		return fmt.Errorf("%w: workers and batch size must be at least 1", ErrInvalidOption)
	}
	if c.Sink != "" && !c.hasSink(c.Sink) {
		return fmt.Errorf("%w: sink %q is in neither %s nor %s", ErrInvalidOption, c.Sink, c.Definitions.Samples.File, c.Definitions.Events.File)
	}
	return nil
}

func (c Config) hasSink(name string) bool {
	for _, s := range c.Definitions.Samples.Sinks {
		if s.Name == name {
			return true
		}
	}
	for _, s := range c.Definitions.Events.Sinks {
		if s.Name == name {
			return true
		}
	}
	return false
}
