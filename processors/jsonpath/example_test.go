package jsonpath_test

import (
	"fmt"

	"meterflow/processors/jsonpath"
	"meterflow/processors/jsonv"
)

func Example() {
	doc, _ := jsonv.ParseString(`{"payload": {"host": "compute-1", "nodename": "node-1",
		"metrics": [{"name": "cpu.frequency", "value": 1600}, {"name": "cpu.percent", "value": 0.25}]}}`)

	id := jsonpath.MustCompile(`$.payload.host + "_" + $.payload.nodename`)
	fmt.Println(id.Find(doc))

	pct := jsonpath.MustCompile(`$.payload.metrics[?(@.name='cpu.percent')].value * 100`)
	v, ok := pct.FindFirst(doc)
	fmt.Println(v, ok)

	for _, m := range jsonpath.MustCompile("$.payload.metrics[*].name").FindMatches(doc) {
		fmt.Println(m.Path, m.Value)
	}
	// Output:
	// [compute-1_node-1]
	// 25 true
	// payload.metrics.[0].name cpu.frequency
	// payload.metrics.[1].name cpu.percent
}
