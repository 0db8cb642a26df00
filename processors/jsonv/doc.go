// Package jsonv holds JSON values with the semantics of Python's json module,
// the value model of meterflow's converter.
//
// A value is one of:
//
//	nil        JSON null (Python None)
//	bool       true / false
//	int64      an integer that fits in 64 bits
//	*big.Int   any other integer (Python ints are unbounded)
//	float64    a number with a fraction or exponent, NaN, +Inf or -Inf
//	string     valid UTF-8
//	[]any      an array
//	*Object    an object, keeping its keys in insertion order like a Python dict
//
// Parse reads what json.loads reads, Append and Marshal write what
// json.dumps(v, separators=(",", ":"), ensure_ascii=False) writes, and PyStr
// and PyRepr format a value as Python's str() and repr() do. Equal compares as
// Python's == does.
package jsonv
