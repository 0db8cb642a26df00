// Package jetstream carries meterflow's messages through NATS JetStream: a
// durable, replayable, deduplicated log between the RabbitMQ bridge and the
// Watermill router.
//
// The pieces, one file each:
//
//   - StartServer runs an embedded nats-server with JetStream on a file
//     store (server.go); Connect reaches an external server or cluster
//     (connect.go).
//   - EnsureStream creates or updates a stream with meterflow's limits
//     (stream.go).
//   - Publisher is a message.Publisher that returns only once JetStream has
//     stored each message, with an asynchronous API for the bridge
//     (publisher.go).
//   - Subscriber is a message.Subscriber on a shared durable pull consumer;
//     OrderedSubscriber replays a stream from a sequence or a time without
//     touching durable consumers (subscriber.go, ordered.go).
//
// Configuration structs document each default on a "Default:" line and are
// validated before any network I/O; invalid settings wrap ErrInvalidOption.
// Errors callers decide on are sentinels in errors.go, matched with errors.Is.
//
// How payloads and metadata map onto NATS messages is described in
// metadata.go.
package jetstream
