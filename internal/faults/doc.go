// Package faults proves meterflow's delivery promise under failure: every
// notification RabbitMQ handed over is in the log (NOTIFICATIONS) exactly
// once, and every sample and event derived from it reaches each sink
// exactly once, whatever fails.
//
// It holds tests only. Each test builds the meterflow binary (once per test
// run), runs `meterflow run` as child processes with their own queue
// prefix, oslo topic and data directory against the local RabbitMQ, injects
// one fault and then counts with exact sets: each notification message_id
// in NOTIFICATIONS, each expected sample id and event message_id in each
// sink (a file:// sink and a jetstream:// or http:// sink), expected from
// processors/convert over the very bodies published. Every test logs
// "lost=0 dup=0" lines per place it counted and fails on anything else.
//
// Faults covered (file, what is injected):
//
//   - kill9_test.go: SIGKILL of meterflow mid-stream, restart on the same data;
//   - natsdown_test.go: the external nats-server killed mid-stream and restarted;
//   - cluster_test.go: one node of a three-node JetStream cluster (streams with
//     three replicas) killed mid-stream, two meterflow processes sharing the
//     durable consumers;
//   - sinkdown_test.go: an http:// sink answering 503, then refusing
//     connections, while a file:// sink keeps receiving;
//   - limits_test.go: NOTIFICATIONS full (--stream-max-bytes) and the embedded
//     store's filesystem full (a 32 MiB tmpfs; mounting needs root).
//
// The CI variants together take about four minutes; MF_LONG=1 runs the
// long ones (100,000 notifications killed with SIGKILL, a three-minute sink
// outage). Everything listens on loopback only. The tests build meterflow
// and nats-server (the version go.mod requires) once per run;
// MF_FAULTS_METERFLOW and MF_FAULTS_NATS_SERVER name prebuilt binaries
// instead, MF_FAULTS_LOGS=1 prints every child's log tail even when the
// test passes.
package faults
