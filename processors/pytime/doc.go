// Package pytime reads and writes timestamps as Ceilometer does, through
// oslo_utils.timeutils and the iso8601 package (1.x, as Debian ships it):
// ParseISO is timeutils.parse_isotime, Time.Normalize is
// timeutils.normalize_time and Time.ISOFormat is datetime.isoformat.
//
// Errors are *py.Error, with the exception Python raises (ValueError,
// OverflowError).
package pytime
