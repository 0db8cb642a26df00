// Package py is the part of Python 3.11's built-ins that Ceilometer's code
// applies to notification values (JSON values as package jsonv holds them:
// nil, bool, int64, *big.Int, float64, string, []any and *jsonv.Object):
// int(), float(), str.isspace(), str.split() and the name of a value's type.
//
// Python's str() and repr() of JSON values are jsonv.PyStr and jsonv.PyRepr.
package py
