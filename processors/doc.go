// Package processors is meterflow's pure conversion core: it turns an
// oslo.messaging notification into the Ceilometer samples and events that
// Ceilometer 19's notification agent would publish for it.
//
// Nothing here does I/O or reads a clock it was not handed. Subpackages split
// the work by concept:
//
//   - jsonv: JSON values with Python's json semantics (ordered objects,
//     int/float distinction, NaN and Infinity), and Python's str()/repr();
//   - jsonpath: the jsonpath-rw-ext dialect Ceilometer's definitions use;
//   - meter: meters.yaml definitions and the other sample endpoints;
//   - event: event_definitions.yaml;
//   - pipeline: pipeline.yaml / event_pipeline.yaml source matching.
//
// This package holds the types they share (Notification, Sample, Event) and
// the envelope decoder that builds a Notification from a wire body.
package processors
