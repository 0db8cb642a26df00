package event

import "meterflow/internal/pyvectors"

// pythonVectors are what Python made of the inputs in
// testdata/python.json (regenerate with testdata/gen_python.py).
type pythonVectors struct {
	Loads [][2]any `json:"loads"`
}

var vectors = pyvectors.File[pythonVectors]("testdata/python.json")
