package pyyaml_test

import (
	"fmt"

	"meterflow/processors/pyyaml"
)

func Example() {
	root, err := pyyaml.Parse([]byte(`
base: &base {unit: B, type: gauge}
metric:
  - <<: *base
    name: disk.read.bytes
    unit: B/s
    enabled: yes
`))
	if err != nil {
		panic(err)
	}
	m := root.Get("metric").V.([]*pyyaml.Value)[0]
	for _, p := range m.V.(*pyyaml.Mapping).Pairs {
		fmt.Printf("line %d: %s = %v (%s)\n", p.Value.Line, p.Key, p.Value, p.Value.TypeName())
	}
	// Output:
	// line 6: unit = B/s (str)
	// line 2: type = gauge (str)
	// line 5: name = disk.read.bytes (str)
	// line 7: enabled = True (bool)
}
