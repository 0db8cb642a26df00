package meter

import (
	"fmt"
	"sync"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
)

func TestEndpointsAreSafeForConcurrentUse(t *testing.T) {
	cases, err := golden.ReadCases(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := Load(Config{EventTypeCacheSize: 7}) // small: the cache starts over often
	if err != nil {
		t.Fatal(err)
	}
	var ns []*processors.Notification
	for _, c := range cases {
		n, err := processors.Decode([]byte(c.Body))
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range ns {
				c := cases[(i+w*97)%len(cases)]
				got, _ := e.Samples(ns[(i+w*97)%len(ns)])
				if err := golden.CompareSamples(c.Samples, got); err != nil {
					t.Errorf("%s: %v", c.Name, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}

func TestEventTypeCacheIsBounded(t *testing.T) {
	e, _, err := Load(Config{EventTypeCacheSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		e.route(fmt.Sprintf("random.%d", i))
	}
	n := 0
	e.routes.Range(func(any, any) bool { n++; return true })
	if n > 10 {
		t.Errorf("%d event types cached, want at most 10", n)
	}
}

func ExampleEndpoints_Samples() {
	e, err := LoadDefault()
	if err != nil {
		panic(err)
	}
	body := `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"m-1\", \"publisher_id\": \"volume.host-1\", \"event_type\": \"volume.create.end\", \"priority\": \"INFO\", \"payload\": {\"volume_id\": \"vol-1\", \"size\": 10, \"user_id\": \"u-1\", \"tenant_id\": \"p-1\", \"display_name\": \"data\"}, \"timestamp\": \"2026-11-02 10:01:07.009973\"}"}`
	n, err := processors.Decode([]byte(body))
	if err != nil {
		panic(err)
	}
	samples, errs := e.Samples(n)
	for _, s := range samples {
		fmt.Println(s.Name, s.Type, s.Volume, s.Unit, s.ResourceID, s.Timestamp)
	}
	fmt.Println(len(errs), "errors")
	// Output:
	// volume.size gauge 10 GB vol-1 2026-11-02T10:01:07.009973+00:00
	// 0 errors
}
