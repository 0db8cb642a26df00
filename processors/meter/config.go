package meter

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by the errors of Config.Validate.
var ErrInvalidConfig = errors.New("invalid meter configuration")

// Config configures Load. The zero value loads Ceilometer 19's shipped
// meter definitions with Ceilometer's default options.
type Config struct {
	// Dirs are the meter definition directories, Ceilometer's [meter]
	// meter_definitions_dirs, in order: a definition in an earlier directory
	// overrides one of the same name in a later one. Ceilometer's default is
	// /etc/ceilometer/meters.d then the shipped meters.d, that is
	// []Dir{OSDir("/etc/ceilometer/meters.d"), ShippedDir()}.
	// Default: []Dir{ShippedDir()}.
	Dirs []Dir

	// SampleSource is the source of every sample that does not carry its
	// own ([DEFAULT] sample_source). Default: "openstack".
	SampleSource string

	// ReservedMetadataNamespace lists the prefixes of the user metadata keys
	// copied into resource_metadata.user_metadata ([DEFAULT]
	// reserved_metadata_namespace); an empty, non-nil list copies none.
	// Default: ["metering."].
	ReservedMetadataNamespace []string
	// ReservedMetadataLength cuts string values of user metadata to this
	// many characters ([DEFAULT] reserved_metadata_length). Default: 256.
	ReservedMetadataLength int
	// ReservedMetadataKeys lists further user metadata keys to copy
	// ([DEFAULT] reserved_metadata_keys). Default: none.
	ReservedMetadataKeys []string

	// EventTypeCacheSize bounds the number of distinct event types whose
	// matching definitions are remembered; when it is exceeded the cache
	// starts over. Default: 4096.
	EventTypeCacheSize int
	// MatchTimeout bounds one match of an event_type regular expression
	// against an event type. Default: 100 milliseconds.
	MatchTimeout time.Duration
}

func (c *Config) setDefaults() {
	if c.Dirs == nil {
		c.Dirs = []Dir{ShippedDir()}
	}
	if c.SampleSource == "" {
		c.SampleSource = "openstack"
	}
	if c.ReservedMetadataNamespace == nil {
		c.ReservedMetadataNamespace = []string{"metering."}
	}
	if c.ReservedMetadataLength == 0 {
		c.ReservedMetadataLength = 256
	}
	if c.EventTypeCacheSize == 0 {
		c.EventTypeCacheSize = 4096
	}
	if c.MatchTimeout == 0 {
		c.MatchTimeout = 100 * time.Millisecond
	}
}

// Validate reports options that cannot be used, after defaults are applied.
func (c Config) Validate() error {
	c.setDefaults()
	switch {
	case c.ReservedMetadataLength < 0:
		return fmt.Errorf("%w: ReservedMetadataLength %d is negative", ErrInvalidConfig, c.ReservedMetadataLength)
	case c.EventTypeCacheSize < 0:
		return fmt.Errorf("%w: EventTypeCacheSize %d is negative", ErrInvalidConfig, c.EventTypeCacheSize)
	case c.MatchTimeout < 0:
		return fmt.Errorf("%w: MatchTimeout %v is negative", ErrInvalidConfig, c.MatchTimeout)
	}
	for i, d := range c.Dirs {
		if d.FS == nil {
			return fmt.Errorf("%w: Dirs[%d] has no FS", ErrInvalidConfig, i)
		}
	}
	return nil
}
