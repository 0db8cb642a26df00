// Package routes holds meterflow's Watermill handlers (the bridge, the
// processing route, sink deliveries, dead-lettering) and the public API
// with which a program adds routes of its own.
//
// A Route reads notifications (by default from the NOTIFICATIONS log
// through a durable consumer of its own), selects some with a Matcher
// (Exchange, Priority, EventType, EventTypeRegexp, Predicate, All, Any,
// Not), turns each into Outputs with a Handler (a plain function over a
// *processors.Notification; Chain and When compose them) and publishes
// them to a Destination: a JetStream Subject, a Sink by publisher URL, or
// any Watermill publisher. Per-route Watermill middleware (Timeout,
// Throttle, Retry, ...) goes in Route.Middleware.
//
// The handler contract, as Benthos states it for processors: no outputs
// and a nil error means the notification is filtered and acked; an error
// wrapping ErrPermanent dead-letters it on deadletter.<route>; any other
// error retries it, then nacks it for redelivery. Outputs carry
// deterministic ids (OutputID: route, notification message_id, index), so
// redelivery and replay never duplicate them.
//
// A Registrar adds routes to a router with meterflow's middleware
// (metrics, dead letters, panic recovery, retries). meterflow's service
// registers its own routes through it; a program adds its routes with
// service.Config.Routes or Service.AddRoute (see examples/routes).
package routes
