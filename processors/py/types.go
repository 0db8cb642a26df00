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
