package jsonv_test

import (
	"fmt"

	"meterflow/processors/jsonv"
)

func Example() {
	v, err := jsonv.ParseString(`{"b": 1.0, "a": [null, true, 1e16], "b": 2}`)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(jsonv.Marshal(v)))
	fmt.Println(jsonv.PyStr(v))
	// Output:
	// {"b":2,"a":[null,true,1e+16]}
	// {'b': 2, 'a': [None, True, 1e+16]}
}
