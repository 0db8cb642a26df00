package pyre_test

import (
	"fmt"
	"time"

	"meterflow/processors/pyre"
)

func ExampleRegexp_Match() {
	re, err := pyre.Compile(`compute\.instance\.(?!create\.start|update).*`, time.Second)
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"compute.instance.create.end", "compute.instance.update", "x.compute.instance.delete"} {
		ok, _ := re.Match(s)
		fmt.Println(s, ok)
	}
	// Output:
	// compute.instance.create.end true
	// compute.instance.update false
	// x.compute.instance.delete false
}
