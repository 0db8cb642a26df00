package meter

import (
	"errors"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{
		{ReservedMetadataLength: -1},
		{EventTypeCacheSize: -1},
		{MatchTimeout: -1},
		{Dirs: []Dir{{Path: "x"}}},
	} {
		if _, _, err := Load(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Load(%+v) error %v, want ErrInvalidConfig", c, err)
		}
	}
}
