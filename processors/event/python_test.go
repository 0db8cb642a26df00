package event

import (
	"encoding/json"
	"os"
	"sync"
	"testing"
)

// pythonVectors are what Python made of the inputs in
// testdata/python.json (regenerate with testdata/gen_python.py).
type pythonVectors struct {
	Loads [][2]any `json:"loads"`
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
