// Command meterflow replaces Ceilometer's notification agent: it bridges
// OpenStack notifications from RabbitMQ into a durable JetStream log and
// converts them into Ceilometer samples and events.
//
//	meterflow run       bridge RabbitMQ → JetStream (and process the log)
//	meterflow convert   convert wire bodies on stdin to samples and events
//	meterflow lint      check definitions, pipelines and the config file
//	meterflow status    show streams and consumers of a running meterflow
//	meterflow version   print the version
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run the service: bridge RabbitMQ into JetStream", runCmd},
		{"convert", "convert wire bodies (one JSON a line on stdin) to samples and events", convertCmd},
		{"replay", "re-run stored notifications through the current definitions and pipelines", replayCmd},
		{"bench", "benchmark RabbitMQ → bridge → samples and replay end to end against a local RabbitMQ", benchCmd},
		{"lint", "check definitions, pipelines and the config file; print every problem with file and line", lintCmd},
		{"status", "show the JetStream streams and consumers of a running meterflow", statusCmd},
		{"version", "print the version", func(_ []string, stdout, _ io.Writer) error {
			fmt.Fprintln(stdout, "meterflow", version)
			return nil
		}},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "meterflow %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "meterflow: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: meterflow <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'meterflow <command> --help' for a command's flags.")
}

// newFlagSet returns a FlagSet whose errors are reported once, by dispatch.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("meterflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: meterflow %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// withExamples replaces fs's usage with a description and examples above
// the flag defaults.
func withExamples(fs *flag.FlagSet, stderr io.Writer, text string) {
	fs.Usage = func() {
		fmt.Fprint(stderr, text)
		fs.PrintDefaults()
	}
}

// parseFlags parses args, turning a flag error into errUsage (already
// printed by the FlagSet).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return nil
}

// listFlag is a repeatable flag; with split, each value is also split on
// commas (not for URLs: oslo transport URLs list failover hosts with commas).
type listFlag struct {
	values []string
	split  bool
	set    bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }
func (l *listFlag) Set(v string) error {
	if !l.set {
		l.values, l.set = nil, true
	}
	if !l.split {
		l.values = append(l.values, v)
		return nil
	}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			l.values = append(l.values, part)
		}
	}
	return nil
}
