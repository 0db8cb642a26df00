package main

import (
	"context"
	"fmt"
	"time"

	"meterflow/processors"
	"meterflow/processors/jsonpath"
	"meterflow/processors/pytime"
	"meterflow/routes"
)

// AlertSubject is where boot time alerts are published.
const AlertSubject = "alerts.boot_time"

// BootAlert is the alert of one instance's boot.
type BootAlert struct {
	InstanceID string  `json:"instance_id"`
	Project    string  `json:"project"`
	Host       string  `json:"host,omitempty"`
	Seconds    float64 `json:"seconds"`
}

// The fields of nova's compute.instance.create.end payload, in the JSONPath
// dialect of Ceilometer's meters.yaml.
var (
	instanceID = jsonpath.MustCompile("$.payload.instance_id")
	tenantID   = jsonpath.MustCompile("$.payload.tenant_id")
	hostField  = jsonpath.MustCompile("$.payload.host")
	createdAt  = jsonpath.MustCompile("$.payload.created_at")
	launchedAt = jsonpath.MustCompile("$.payload.launched_at")
)

// bootTime returns the handler of the boot_time route: an alert when the
// instance took at least threshold from created_at to launched_at. An
// instance without launched_at (it did not boot) or booting faster is
// filtered. A timestamp that does not parse fails the notification for
// good: it is dead-lettered on deadletter.boot_time, where an operator
// sees it.
func bootTime(threshold time.Duration) routes.Handler {
	return func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
		launched, ok := launchedAt.FindFirst(n.Doc)
		if !ok || launched == nil || launched == "" {
			return nil, nil
		}
		created, _ := createdAt.FindFirst(n.Doc)
		start, err := pytime.ParseISO(created)
		if err != nil {
			return nil, routes.Permanent(fmt.Errorf("created_at %v: %w", created, err))
		}
		end, err := pytime.ParseISO(launched)
		if err != nil {
			return nil, routes.Permanent(fmt.Errorf("launched_at %v: %w", launched, err))
		}
		took := time.Duration(end.UnixMicro()-start.UnixMicro()) * time.Microsecond
		if took < threshold {
			return nil, nil
		}
		alert := BootAlert{
			InstanceID: str(instanceID.FindFirst(n.Doc)),
			Project:    str(tenantID.FindFirst(n.Doc)),
			Host:       str(hostField.FindFirst(n.Doc)),
			Seconds:    took.Seconds(),
		}
		return []routes.Output{{Payload: encode(alert)}}, nil
	}
}

// str is a JSON value as text, "" for a missing one or null.
func str(v any, ok bool) string {
	if !ok || v == nil {
		return ""
	}
	if s, isStr := v.(string); isStr {
		return s
	}
	return fmt.Sprint(v)
}
