package pytime_test

import (
	"fmt"

	"meterflow/processors/pytime"
)

func Example() {
	t, err := pytime.ParseISO("2026-11-02 10:01:07.009973+05:30")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.ISOFormat())
	utc, _ := t.Normalize()
	fmt.Println(utc.ISOFormat())
	_, err = pytime.ParseISO("2026-02-30")
	fmt.Println(err)
	// Output:
	// 2026-11-02T10:01:07.009973+05:30
	// 2026-11-02T04:31:07.009973
	// ValueError: day is out of range for month
}
