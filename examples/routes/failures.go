package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/processors"
	"meterflow/processors/jsonpath"
	"meterflow/routes"
	"meterflow/service"
)

// FailuresSubject prefixes the running counts of failed logins:
// keystone.login_failures.<project>.
const FailuresSubject = "keystone.login_failures"

// FailureCount is the running count of one project's failed logins.
type FailureCount struct {
	Project  string `json:"project"`
	Failures int64  `json:"failures"`
}

// Keystone's identity.authenticate is a CADF event (pycadf): outcome
// "success", "failure" or "pending"; the initiator carries the project when
// the request was scoped to one (keystone's build_audit_initiator).
var (
	outcome          = jsonpath.MustCompile("$.payload.outcome")
	initiatorProject = jsonpath.MustCompile("$.payload.initiator.project_id")
)

// failedLogin is the login_failures route's predicate: a CADF outcome of
// "failure".
func failedLogin(n *processors.Notification, _ message.Metadata) bool {
	v, _ := outcome.FindFirst(n.Doc)
	return v == "failure"
}

// project is the project a failed login counts for: the initiator's
// project_id, else the request context's project (project_id, tenant),
// else "unknown".
func project(n *processors.Notification) string {
	if p := str(initiatorProject.FindFirst(n.Doc)); p != "" {
		return p
	}
	if n.Context != nil {
		for _, k := range []string{"project_id", "tenant", "project"} {
			if p := str(n.Context.Get(k)); p != "" {
				return p
			}
		}
	}
	return "unknown"
}

// maxRemembered bounds how many notifications the counter remembers.
const maxRemembered = 10000

// failureCounter counts failed logins per project. A notification handled
// again (redelivered, replayed) gets the count it got the first time, so
// its output is the same message (same id, deduplicated by JetStream) and
// the count does not drift: the counter remembers the last maxRemembered
// notifications, and Resume restores the counts after a restart.
type failureCounter struct {
	mu     sync.Mutex
	counts map[string]int64
	given  map[string]FailureCount // by notification message_id
	order  []string                // message_ids in given, oldest first
}

func newFailureCounter() *failureCounter {
	return &failureCounter{counts: map[string]int64{}, given: map[string]FailureCount{}}
}

// Handle is the login_failures route's handler: one output, the project's
// new count, on keystone.login_failures.<project>.
func (c *failureCounter) Handle(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fc, seen := c.given[n.MessageID]
	if !seen {
		p := project(n)
		c.counts[p]++
		fc = FailureCount{Project: p, Failures: c.counts[p]}
		c.remember(n.MessageID, fc)
	}
	return []routes.Output{{Payload: encode(fc), Subject: fc.Project}}, nil
}

func (c *failureCounter) remember(id string, fc FailureCount) {
	if id == "" {
		return
	}
	if _, ok := c.given[id]; !ok {
		c.order = append(c.order, id)
	}
	c.given[id] = fc
	if len(c.order) > maxRemembered {
		delete(c.given, c.order[0])
		c.order = c.order[1:]
	}
}

// Resume restores the counts from the last count stored per project, and
// remembers the notification each came from: the one a crash may have
// left unacked.
func (c *failureCounter) Resume(ctx context.Context, js jetstream.JetStream) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, service.StreamRoutes, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{FailuresSubject + ".>"},
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return err
		}
		last := true
		for m := range batch.Messages() {
			var fc FailureCount
			if err := json.Unmarshal(m.Data(), &fc); err != nil {
				return fmt.Errorf("%s: %w", m.Subject(), err)
			}
			c.counts[fc.Project] = fc.Failures
			c.remember(m.Headers().Get(routes.HeaderNotificationID), fc)
			if meta, err := m.Metadata(); err == nil {
				last = meta.NumPending == 0
			}
		}
		if err := batch.Error(); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}
