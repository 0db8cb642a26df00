package meter

import (
	"math/big"

	"meterflow/processors/py"
)

// VolumeOK reports whether a sample with volume v leaves Ceilometer's sample
// pipeline (SamplePipeline._validate_volume): None is dropped, numbers (bools
// included, as Python counts them as ints) are kept, and anything else is
// kept only when Python's float() accepts it, so that the string " 1_000 "
// passes and keeps being a string. Lists and objects are dropped.
func VolumeOK(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool, int64, *big.Int, float64, int:
		return true
	case string:
		_, ok := py.ParseFloat(v)
		return ok
	}
	return false
}
