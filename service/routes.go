package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/wlog"
	"meterflow/metrics"
	"meterflow/routes"
	"meterflow/sinks"
	jst "meterflow/transport/jetstream"
)

// StreamRoutes stores the outputs of routes with a routes.Subject
// destination that no other stream captures: the service extends its
// subjects to cover subject and subject.> of each such route.
const StreamRoutes = "ROUTES"

// newRegistrar builds the Registrar every route of the service goes
// through, meterflow's own and a user program's: meterflow's metrics, dead
// letters on the service's publisher, routes without a source reading the
// NOTIFICATIONS log through a durable consumer of their own.
func (s *Service) newRegistrar() *routes.Registrar {
	return &routes.Registrar{
		Router:    s.router,
		Publisher: s.pub,
		Observer:  s.metrics,
		Logger:    s.log,
		Secret:    s.cfg.Secret,
		SinkOptions: sinks.Options{Logger: s.log, Secret: s.cfg.Secret,
			TransportURL: s.cfg.AMQP.Brokers[0], AMQPTLS: s.cfg.AMQP.TLS, GnocchiURL: s.cfg.GnocchiURL},
		Log: func(durable string, concurrency int) (message.Subscriber, error) {
			sub, err := jst.NewSubscriber(s.nc, jst.SubscriberConfig{
				Durable: durable, Stream: StreamNotifications, Concurrency: concurrency,
				MaxAckPending: 2 * (jst.DefaultPullMaxMessages + concurrency), Logger: wlog.New(s.log),
			})
			if err != nil {
				return nil, err
			}
			if !s.lagged[durable] {
				s.lagged[durable] = true
				s.lag.Add(metrics.Consumer{Stream: StreamNotifications, Durable: durable})
			}
			return sub, nil
		},
	}
}

// addRoute registers one of meterflow's own raw routes (bridge, process,
// deliveries) through the Registrar: metrics labelled by route name and
// sink ("" for the bridge and process routes), the route's own outer
// middleware (extra), dead letters on deadletter.<deadLetter>, panics as
// dead letters, retries with backoff before nacking.
func (s *Service) addRoute(name, sink, deadLetter, topic string, sub message.Subscriber, h message.NoPublishHandlerFunc, extra ...message.HandlerMiddleware) (*message.Handler, error) {
	return s.reg.Add(routes.Route{
		Name: name, Sink: sink, DeadLetter: deadLetter,
		From: routes.From(sub, topic), Consume: h, Middleware: extra,
	})
}

// AddRoute adds a route of a user program, with the middleware, metrics and
// dead letters of meterflow's own routes. Call it after New, before or
// while Run runs (a route added to a running service starts at once);
// Config.Routes are added by New the same way.
//
// A route without From reads the NOTIFICATIONS log through its own durable
// consumer, route_<name>, so it sees every stored notification once
// whatever the other routes do, and resumes where it stopped after a
// restart. The subject of a routes.Subject destination is stored in the
// stream that captures it, or else in the stream ROUTES, extended to
// capture subject and subject.>; a subject that overlaps another stream's
// wildcards is refused.
func (s *Service) AddRoute(rt routes.Route) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.closing || (s.runCtx != nil && s.runCtx.Err() != nil) {
		return ErrStopping
	}
	if err := s.ensureRouteSubject(rt.To.JetStreamSubject()); err != nil {
		return fmt.Errorf("route %s: %w", rt.Name, err)
	}
	if _, err := s.reg.Add(rt); err != nil {
		return err
	}
	if s.runCtx == nil {
		return nil
	}
	select {
	case <-s.router.Running():
		if err := s.router.RunHandlers(s.runCtx); err != nil {
			return fmt.Errorf("route %s: start: %w", rt.Name, err)
		}
	default: // Run starts it
	}
	return nil
}

// ensureRouteSubject makes sure a stream captures subject: the stream
// already capturing it, or ROUTES, whose subjects it extends (keeping
// those of other processes' routes). Called with reloadMu held.
func (s *Service) ensureRouteSubject(subject string) error {
	if subject == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	name, err := s.js.StreamNameBySubject(ctx, subject)
	switch {
	case err == nil && name != StreamRoutes:
		return nil // e.g. samples.<sink>.<meter>, or an operator's own stream
	case err != nil && !errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("look up the stream of %s: %w", subject, err)
	}
	// other processes sharing the NATS cluster may have routes of their own
	var current []string
	if st, err := s.js.Stream(ctx, StreamRoutes); err == nil {
		current = st.CachedInfo().Config.Subjects
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("look up stream %s: %w", StreamRoutes, err)
	}
	want := coverSubjects(append(slices.Clone(current), subject, subject+".>"))
	if slices.Equal(want, current) {
		return nil
	}
	sc := s.cfg.RoutesStream
	sc.Name, sc.Subjects = StreamRoutes, want
	if sc.Description == "" {
		sc.Description = "outputs of meterflow routes with a subject destination"
	}
	if _, err := jst.EnsureStream(ctx, s.js, sc); err != nil {
		return fmt.Errorf("stream %s: %w", StreamRoutes, err)
	}
	return nil
}

// coverSubjects sorts subjects, dropping duplicates and those another one
// already captures (alerts.> captures alerts.boot_time): JetStream refuses
// overlapping subjects.
func coverSubjects(subjects []string) []string {
	slices.Sort(subjects)
	subjects = slices.Compact(subjects)
	var out []string
	for i, s := range subjects {
		covered := false
		for j, o := range subjects {
			if i != j && subjectCovers(o, s) && !(subjectCovers(s, o) && j > i) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, s)
		}
	}
	return out
}

// subjectCovers reports whether the filter pattern captures every subject
// filter f captures.
func subjectCovers(pattern, f string) bool {
	p, t := strings.Split(pattern, "."), strings.Split(f, ".")
	for i, tok := range p {
		switch {
		case tok == ">":
			return len(t) > i
		case i >= len(t):
			return false
		case tok == "*":
			if t[i] == ">" {
				return false
			}
		case tok != t[i]:
			return false
		}
	}
	return len(p) == len(t)
}
