package py

import (
	"fmt"
	"math/big"

	"meterflow/processors/jsonv"
)

// TypeName is type(v).__name__ for a JSON value: NoneType, bool, int,
// float, str, list or dict. A Go value outside the JSON model is named by
// its Go type.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64, *big.Int, int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *jsonv.Object:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// Truthy is Python's bool() of a JSON value: None, False, 0, 0.0, "", []
// and {} are false, everything else true.
func Truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case int64:
		return v != 0
	case *big.Int:
		return v.Sign() != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case *jsonv.Object:
		return v.Len() > 0
	}
	return true
}
