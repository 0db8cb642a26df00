// Package meter turns notifications into samples as the sample endpoints of
// Ceilometer 19.0.0's notification agent do: the meter definitions of
// meters.yaml (ProcessMeterNotifications), the polling agent's samples
// (TelemetryIpc), ironic's IPMI sensor readings and ceilometermiddleware's
// HTTP notifications.
//
// Load reads the definitions, reporting every file and definition it skips
// with its file, line, meter and field; Endpoints.Samples then gives, for
// one notification, the samples Ceilometer would publish through a pipeline
// taking every meter, and an *EndpointError for each endpoint that failed on
// it (whose samples are dropped, as in Ceilometer).
//
// Loading follows Ceilometer: files of earlier directories and, within a
// file, later definitions win; YAML is read as PyYAML's safe_load reads it
// (YAML 1.1 scalars, merge keys); event types are Python regular
// expressions matched at the start; JSONPaths are jsonpath-rw-ext's. Where
// Ceilometer 19 fails to load its meter endpoint altogether, and then
// publishes no meter samples at all (a YAML syntax error in any file, an
// invalid regular expression, a definition that is not a mapping), meterflow
// skips only the file or definition at fault and reports it, like the
// definitions Ceilometer itself skips. A caller that prefers to refuse such
// a configuration treats any skipped definition as fatal.
//
// Deliberate differences, for values processors.Sample cannot hold:
//
//   - a sample whose meter name is not a string fails its endpoint for the
//     notification (in Ceilometer, the pipeline raises matching the name
//     against the source's meters, with the same effect);
//   - a type, unit or source that is not a string is kept as Python's str()
//     of it, a polled sample's null timestamp as "";
//   - the shipped identity.authenticate definition gets its intended name,
//     identity.authenticate.<outcome>: Ceilometer 19 cannot evaluate the
//     name expression and emits the expression itself (the conformance
//     corpus carries the corrected name).
package meter
