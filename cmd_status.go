package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/config"
	jst "meterflow/transport/jetstream"
)

// defaultStatusURL is where status finds the embedded server of a local
// meterflow run.
const defaultStatusURL = "nats://" + jst.DefaultListenAddr

func statusCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", "status [flags]", stderr)
	withExamples(fs, stderr, `usage: meterflow status [flags]

Prints the JetStream streams (messages, bytes, first/last, limits) and
consumers (filter, pending, ack pending, redelivered) of a running meterflow.

Examples:
  meterflow status
  meterflow status --nats-url nats://nats-1:4222,nats://nats-2:4222 --nats-creds /etc/meterflow/nats.creds

`)
	natsURL := fs.String("nats-url", defaultStatusURL, "NATS server (comma-separated URLs) of the running meterflow")
	creds := addNATSFlags(fs)
	timeout := fs.Duration("timeout", 10*time.Second, "how long connecting and listing may take")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts := append([]jst.ConnectOption{jst.WithConnectTimeout(*timeout), jst.WithName("meterflow-status")}, creds.options()...)
	nc, err := jst.Connect(*natsURL, opts...)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	return printStatus(ctx, js, stdout, time.Now())
}

// printStatus writes a table of the streams and one of their consumers.
func printStatus(ctx context.Context, js jetstream.JetStream, w io.Writer, now time.Time) error {
	var streams []*jetstream.StreamInfo
	lister := js.ListStreams(ctx)
	for si := range lister.Info() {
		streams = append(streams, si)
	}
	if err := lister.Err(); err != nil {
		return fmt.Errorf("list streams: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tMESSAGES\tBYTES\tFIRST\tLAST\tMAX AGE\tMAX BYTES\tMAX MSGS\tREPLICAS")
	for _, si := range streams {
		st, c := si.State, si.Config
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", c.Name, st.Msgs, humanBytes(st.Bytes),
			timeOrDash(st.FirstTime, st.Msgs), timeOrDash(st.LastTime, st.Msgs),
			limit(c.MaxAge > 0, config.FormatDuration(c.MaxAge)), limit(c.MaxBytes > 0, humanBytes(uint64(c.MaxBytes))),
			limit(c.MaxMsgs > 0, fmt.Sprint(c.MaxMsgs)), c.Replicas)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CONSUMER\tSTREAM\tFILTER\tPENDING\tACK PENDING\tREDELIVERED\tLAST ACTIVE")
	for _, si := range streams {
		s, err := js.Stream(ctx, si.Config.Name)
		if err != nil {
			return fmt.Errorf("stream %s: %w", si.Config.Name, err)
		}
		cl := s.ListConsumers(ctx)
		for ci := range cl.Info() {
			filter := ci.Config.FilterSubject
			if len(ci.Config.FilterSubjects) > 0 {
				filter = strings.Join(ci.Config.FilterSubjects, ",")
			}
			if filter == "" {
				filter = "-"
			}
			active := "never"
			if last := ci.Delivered.Last; last != nil && !last.IsZero() {
				active = config.FormatDuration(now.Sub(*last).Truncate(time.Second)) + " ago"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", ci.Name, ci.Stream, filter,
				ci.NumPending, ci.NumAckPending, ci.NumRedelivered, active)
		}
		if err := cl.Err(); err != nil {
			return fmt.Errorf("consumers of %s: %w", si.Config.Name, err)
		}
	}
	return tw.Flush()
}

func timeOrDash(t time.Time, msgs uint64) string {
	if msgs == 0 || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func limit(set bool, s string) string {
	if !set {
		return "unlimited"
	}
	return s
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
