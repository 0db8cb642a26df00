package sinks_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"

	"meterflow/processors"
	"meterflow/sinks"
)

// A prometheus:// sink without a host pushes nowhere and only keeps the
// latest value of each series, for Prometheus to scrape. With a host,
// prometheus://pushgateway:9091/metrics/job/ceilometer, it also pushes as
// Ceilometer does. Mount Handler, or register Collector in a registry.
func ExampleNewPrometheus() {
	u, _ := url.Parse("prometheus://?max_series=50000&max_age=1h")
	s, err := sinks.NewPrometheus(u, sinks.Options{})
	if err != nil {
		panic(err)
	}
	p := s.(*sinks.PrometheusSink)
	err = p.PublishSamples(context.Background(), []processors.Sample{{
		Name: "disk.root.size", Type: "gauge", Unit: "GB", Volume: int64(20),
		ResourceID: "inst-1", ProjectID: "proj-1", UserID: "user-1",
		Timestamp: "2026-11-02T10:01:07.009973+00:00",
	}})
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	fmt.Print(rec.Body.String())
	// Output:
	// # HELP ceilometer_disk_root_size Latest value of the Ceilometer meter disk.root.size.
	// # TYPE ceilometer_disk_root_size gauge
	// ceilometer_disk_root_size{project_id="proj-1",resource_id="inst-1",type="gauge",unit="GB",user_id="user-1"} 20
}
