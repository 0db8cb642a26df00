// Package event turns notifications into Ceilometer events with an
// event_definitions.yaml, exactly as Ceilometer 19.0.0's notification agent
// does (ceilometer.event.converter).
//
// A definitions file is a list of definitions, each an event_type (a shell
// pattern or a list of them; "!" excludes) and traits. The last definition
// whose event_type matches a notification's wins. Every definition starts
// with the default traits service, request_id, project_id, user_id and
// tenant_id. A trait takes the first non-null value its fields (a JSONPath
// expression, or a list of them) find in the notification, optionally
// reshaped by a plugin (split, bitfield, timedelta), and converts it to its
// type (text, int, float or datetime) as Ceilometer does, with Python's
// int(), float() and str() and oslo's ISO 8601 parser. A notification no
// definition matches becomes an event with only the default traits, unless
// unmatched notifications are dropped.
//
// Load, LoadFile and Parse read a file and report every problem in it with
// file, line, definition and trait. Converter.Event converts one
// notification; it is safe for concurrent use.
package event
