package meter

import (
	"meterflow/processors"
	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// telemetryEndpoint is Ceilometer's TelemetryIpc ("_sample" entry point):
// samples that the polling agent sends over the notification bus, event
// type telemetry.polling, payload {"samples": [<sample dict>, ...]}. Each
// sample dict is published as it is, without any normalisation.
type telemetryEndpoint struct {
	source string // sample_source, for samples without a truthy source
}

// appendSamples is TelemetryIpc.build_sample. Any missing key fails the
// whole notification, as the KeyError does in Ceilometer.
func (e *telemetryEndpoint) appendSamples(dst []processors.Sample, n *processors.Notification) ([]processors.Sample, error) {
	payload, _ := n.Doc.Get("payload")
	samples, err := getKey(payload, "samples")
	if err != nil {
		return dst, err
	}
	items, err := iterate(samples)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	fail := func(err error) ([]processors.Sample, error) {
		clear(dst[start:])
		return dst[:start], err
	}
	// Sample(...)'s keyword arguments, in the order Python evaluates them.
	keys := [...]string{"counter_name", "counter_type", "counter_unit", "counter_volume", "user_id",
		"project_id", "resource_id", "timestamp", "resource_metadata", "source", "message_id"}
	for _, item := range items {
		var v [len(keys)]any
		for i, k := range keys {
			if v[i], err = getKey(item, k); err != nil {
				return fail(err)
			}
		}
		name, ok := v[0].(string)
		if !ok {
			return fail(pyErrorf("TypeError", "meter name %s is not a string", jsonv.PyRepr(v[0])))
		}
		if !VolumeOK(v[3]) {
			continue
		}
		md := v[8]
		if !py.Truthy(md) {
			md = jsonv.NewObject(0)
		}
		source := e.source
		if py.Truthy(v[9]) {
			source = strOf(v[9])
		}
		ts := ""
		if v[7] != nil {
			ts = strOf(v[7])
		}
		id, _ := v[10].(string)
		dst = append(dst, processors.Sample{
			Name:             name,
			Type:             strOf(v[1]),
			Unit:             strOf(v[2]),
			Volume:           v[3],
			UserID:           v[4],
			ProjectID:        v[5],
			ResourceID:       v[6],
			Timestamp:        ts,
			ResourceMetadata: md,
			Source:           source,
			ID:               id,
		})
	}
	return dst, nil
}
