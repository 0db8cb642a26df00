package py

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"

	"meterflow/internal/pyvectors"
)

// pythonVectors are what Python made of the inputs in testdata/python.json
// (regenerate with testdata/gen_python.py).
type pythonVectors struct {
	Num     [][3]any `json:"num"`
	ValConv [][3]any `json:"valconv"`
	IsSpace []rune   `json:"isspace"`
	Split   [][3]any `json:"split"`
}

var vectors = pyvectors.File[pythonVectors]("testdata/python.json")

// jsonable renders a Go number the way gen_python.py renders a Python one,
// decoded by encoding/json, so that the two compare with reflect.DeepEqual.
func jsonable(v any) any {
	var out any
	switch v := v.(type) {
	case int64:
		out = map[string]any{"int": big.NewInt(v).String()}
	case *big.Int:
		out = map[string]any{"int": v.String()}
	case float64:
		switch {
		case math.IsNaN(v):
			out = map[string]any{"float": "nan"}
		case math.IsInf(v, 1):
			out = map[string]any{"float": "inf"}
		case math.IsInf(v, -1):
			out = map[string]any{"float": "-inf"}
		default:
			out = v
		}
	default:
		out = v
	}
	data, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	var back any
	if err := json.Unmarshal(data, &back); err != nil {
		panic(err)
	}
	return back
}

// pyError returns the exception class of a vector that is Python's
// {"error": name}.
func pyError(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	name, ok := m["error"].(string)
	return name, ok
}

func sameAsPython(got, want any) bool {
	return reflect.DeepEqual(jsonable(got), want)
}
