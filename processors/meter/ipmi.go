package meter

import (
	"strings"

	"meterflow/processors"
	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// ipmiEndpoint is one of Ceilometer's ironic SensorNotification endpoints
// (hardware.ipmi.temperature, .current, .fan, .voltage): for event types
// matching hardware.ipmi.*, one gauge sample per sensor of its kind in
// payload.payload.<Metric>, its volume and unit read from the sensor's
// "Sensor Reading" ("42 (+/- 1) degrees C").
type ipmiEndpoint struct {
	metric string // the payload key: Temperature, Current, Fan or Voltage
	name   string // the meter: hardware.ipmi.<metric in lower case>
	source string
}

func newIPMIEndpoint(metric, source string) *ipmiEndpoint {
	return &ipmiEndpoint{metric: metric, name: "hardware.ipmi." + strings.ToLower(metric), source: source}
}

// ipmiUnits is the ironic UNIT_MAP.
var ipmiUnits = map[string]string{"Watts": "W", "Volts": "V"}

// appendSamples is SensorNotification.build_sample. A sensor with missing
// keys or an unreadable reading is skipped, as Ceilometer skips it
// (InvalidSensorData); other surprises (a sensor that is not an object, a
// reading that is not a string, a payload without timestamp) fail the
// endpoint for the notification.
func (e *ipmiEndpoint) appendSamples(dst []processors.Sample, n *processors.Notification) ([]processors.Sample, error) {
	message, _ := n.Doc.Get("payload")
	sensors, err := e.sensors(message)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	fail := func(err error) ([]processors.Sample, error) {
		clear(dst[start:])
		return dst[:start], err
	}
	payload, _ := message.(*jsonv.Object) // an object, or sensors() failed
	publisher, _ := n.Doc.Get("publisher_id")
	for i := 0; i < sensors.Len(); i++ {
		_, sensor := sensors.At(i)
		// resource_id = '%(nodeid)s-%(sensorid)s'
		nodeID, ok := payload.Get("node_uuid")
		if !ok {
			continue // KeyError: invalid sensor data
		}
		sensorID, err := getKey(sensor, "Sensor ID")
		if err != nil {
			if isKeyError(err) {
				continue
			}
			return fail(err)
		}
		id, ok := sensorID.(string)
		if !ok {
			return fail(pyErrorf("AttributeError", "%s object has no attribute 'lower'", pyTypeName(sensorID)))
		}
		resourceID := jsonv.PyStr(nodeID) + "-" + strings.ReplaceAll(strings.ToLower(id), " ", "_")

		// _package_payload: the sensor gets the node; the payload must carry
		// timestamp and event_type.
		timestamp, err := getKey(payload, "timestamp")
		if err != nil {
			return fail(err)
		}
		eventType, err := getKey(payload, "event_type")
		if err != nil {
			return fail(err)
		}
		userID, _ := payload.Get("user_id")
		projectID, _ := payload.Get("project_id")
		s := sensor.(*jsonv.Object)
		reading, ok := s.Get("Sensor Reading")
		if !ok {
			continue
		}
		if r, ok := reading.(string); ok && r == "Disabled" {
			continue
		}
		r, ok := reading.(string)
		if !ok {
			return fail(pyErrorf("AttributeError", "%s object has no attribute 'split'", pyTypeName(reading)))
		}
		volume, unit, ok := parseReading(r)
		if !ok {
			continue
		}
		// from_notification(message=info): the metadata is the sensor with
		// its node, event_type and host; the timestamp must be truthy, as
		// info has no metadata to fall back to.
		md := jsonv.NewObject(s.Len() + 3)
		for j := 0; j < s.Len(); j++ {
			k, v := s.At(j)
			md.Set(k, v)
		}
		md.Set("node", nodeID)
		md.Set("event_type", eventType)
		md.Set("host", publisher)
		if !py.Truthy(timestamp) {
			return fail(pyErrorf("KeyError", "'metadata'"))
		}
		ts, err := isoformat(timestamp)
		if err != nil {
			return fail(err)
		}
		dst = append(dst, processors.Sample{
			Name:             e.name,
			Type:             "gauge",
			Unit:             unit,
			Volume:           volume,
			UserID:           userID,
			ProjectID:        projectID,
			ResourceID:       resourceID,
			Timestamp:        ts,
			ResourceMetadata: md,
			Source:           e.source,
		})
	}
	return dst, nil
}

// sensors is _get_sample(message['payload']): payload.payload.<metric>,
// nothing when a key is missing.
func (e *ipmiEndpoint) sensors(message any) (*jsonv.Object, error) {
	inner, err := getKey(message, "payload")
	if err != nil {
		if isKeyError(err) {
			return nil, nil
		}
		return nil, err
	}
	group, err := getKey(inner, e.metric)
	if err != nil {
		if isKeyError(err) {
			return nil, nil
		}
		return nil, err
	}
	o, ok := group.(*jsonv.Object)
	if !ok {
		return nil, pyErrorf("AttributeError", "%s object has no attribute 'items'", pyTypeName(group))
	}
	return o, nil
}

// parseReading is ironic's parse_reading: "<volume> <...> <unit>" gives
// float(volume) and the last word as the unit (Watts and Volts as W and V).
func parseReading(r string) (float64, string, bool) {
	volume, rest, ok := strings.Cut(r, " ")
	if !ok {
		return 0, "", false
	}
	if i := strings.LastIndexByte(rest, ' '); i >= 0 {
		rest = rest[i+1:]
	}
	v, ok := py.ParseFloat(volume)
	if !ok {
		return 0, "", false
	}
	if u, mapped := ipmiUnits[rest]; mapped {
		rest = u
	}
	return v, rest, true
}
