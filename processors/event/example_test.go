package event_test

import (
	"fmt"

	"meterflow/definitions"
	"meterflow/processors"
	"meterflow/processors/event"
)

func ExampleConverter_Event() {
	conv, err := event.Load(definitions.Ceilometer, definitions.EventDefinitions)
	if err != nil {
		panic(err)
	}
	n, err := processors.Decode([]byte(`{"message_id": "m-1", "publisher_id": "image.host-1",
		"event_type": "image.upload", "priority": "INFO", "timestamp": "2026-11-02 10:01:07.009973",
		"payload": {"id": "img-1", "owner": "proj-1", "name": "cirros", "size": 12716032}}`))
	if err != nil {
		panic(err)
	}
	e, err := conv.Event(n)
	if err != nil {
		panic(err)
	}
	fmt.Println(e.EventType, e.Generated)
	for _, t := range e.Traits {
		fmt.Printf("%s (%d) %v\n", t.Name, t.Type, t.Value)
	}
	// Output:
	// image.upload 2026-11-02T10:01:07.009973
	// service (1) image.host-1
	// project_id (1) proj-1
	// user_id (1) proj-1
	// resource_id (1) img-1
	// name (1) cirros
	// size (2) 12716032
}

func ExampleParse_errors() {
	_, err := event.Parse("event_definitions.yaml", []byte(`
- event_type: compute.instance.*
  traits:
    launched_at:
      type: date
      fields: payload.launched_at
    host:
      fields: payload.host[
`))
	fmt.Println(err)
	// Output:
	// event_definitions.yaml:5: event_type "compute.instance.*": trait "launched_at": unknown type "date" (want text, int, float or datetime)
	// event_definitions.yaml:8: event_type "compute.instance.*": trait "host": fields: "payload.host[": jsonpath: unexpected end of expression at column 14 in "payload.host["
}
