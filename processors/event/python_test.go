package event

import (
	"encoding/json"
	"math"
	"math/big"
	"os"
	"reflect"
	"sync"
	"testing"

	"meterflow/processors/jsonv"
)

// pythonVectors are what Python made of the inputs in
// testdata/python.json (regenerate with testdata/gen_python.py).
type pythonVectors struct {
	ISO         [][2]any `json:"iso"`
	Num         [][3]any `json:"num"`
	ValConv     [][3]any `json:"valconv"`
	YAMLScalars [][2]any `json:"yaml_scalars"`
	YAMLDocs    [][3]any `json:"yaml_docs"`
	Loads       [][2]any `json:"loads"`
}

var loadVectors = sync.OnceValues(func() (*pythonVectors, error) {
	data, err := os.ReadFile("testdata/python.json")
	if err != nil {
		return nil, err
	}
	var v pythonVectors
	return &v, json.Unmarshal(data, &v)
})

func vectors(t *testing.T) *pythonVectors {
	t.Helper()
	v, err := loadVectors()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// jsonable renders a Go value the way gen_python.py renders a Python one,
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
	case *yval:
		return jsonable(v.v)
	case []*yval:
		l := []any{}
		for _, e := range v {
			l = append(l, jsonable(e))
		}
		out = l
	case *ymap:
		pairs := []any{}
		for i := range v.keys {
			pairs = append(pairs, []any{jsonable(v.keys[i]), jsonable(v.vals[i])})
		}
		out = map[string]any{"dict": pairs}
	case yTimestamp:
		out = map[string]any{"timestamp": "?"}
	case []any:
		l := []any{}
		for _, e := range v {
			l = append(l, jsonable(e))
		}
		out = l
	case *jsonv.Object:
		pairs := []any{}
		for i := 0; i < v.Len(); i++ {
			k, x := v.At(i)
			pairs = append(pairs, []any{k, jsonable(x)})
		}
		out = map[string]any{"dict": pairs}
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

// pyError reports whether a vector is Python's {"error": name}.
func pyError(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, ok = m["error"]
	return ok
}

func isTimestamp(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, ok = m["timestamp"]
	return ok
}

func sameAsPython(got, want any) bool {
	return reflect.DeepEqual(jsonable(got), want)
}
