// Package definitions carries Ceilometer 19.0.0's shipped definition files,
// byte-identical to the ones in Debian's python3-ceilometer 1:19.0.0-3, so
// that meterflow behaves like an unconfigured Ceilometer out of the box.
//
// The files are Apache-2.0 licensed (see ceilometer/NOTICE.md).
package definitions

import "embed"

// Ceilometer holds, under "ceilometer/": meters.d/meters.yaml,
// event_definitions.yaml, pipeline.yaml, event_pipeline.yaml and
// gnocchi_resources.yaml.
//
//go:embed ceilometer
var Ceilometer embed.FS

// Paths of the shipped files inside Ceilometer.
const (
	MetersDir        = "ceilometer/meters.d"
	EventDefinitions = "ceilometer/event_definitions.yaml"
	Pipeline         = "ceilometer/pipeline.yaml"
	EventPipeline    = "ceilometer/event_pipeline.yaml"
	GnocchiResources = "ceilometer/gnocchi_resources.yaml"
)
