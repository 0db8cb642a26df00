// Package pyvectors loads the test vectors that testdata/gen_python.py
// scripts made by running real Python (json, PyYAML, Ceilometer's
// helpers), once per test binary.
package pyvectors

import (
	"encoding/json"
	"os"
	"sync"
	"testing"
)

// File returns a function that decodes path (read once, on first use) into
// a T and fails the test if it cannot.
func File[T any](path string) func(testing.TB) *T {
	load := sync.OnceValues(func() (*T, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var v T
		return &v, json.Unmarshal(data, &v)
	})
	return func(t testing.TB) *T {
		t.Helper()
		v, err := load()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
