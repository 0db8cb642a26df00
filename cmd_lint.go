package main

import (
	"fmt"
	"io"
	"strings"

	"meterflow/processors/convert"
	"meterflow/processors/pipeline"
	"meterflow/service"
	"meterflow/sinks"
)

func lintCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lint", "lint [flags]", stderr)
	defFlags := addDefinitionFlags(fs)
	configFile := addConfigFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: meterflow lint [flags]

Loads the config file (--config or $MF_CONFIG, checked with the $MF_*
variables against every option of run), the meter definitions, event
definitions and pipelines meterflow would use, checks every publisher URL,
and prints every problem found, one a line with its file, line and field.
Exits 1 when there is any.

Examples:
  meterflow lint
  meterflow lint --config /etc/meterflow/meterflow.yaml
  meterflow lint --meters ./meters.d --events ./event_definitions.yaml --pipeline ./pipeline.yaml

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// the config file and $MF_* variables are checked against every flag of
	// run, and fill lint's flags not given here, as run's would be filled
	problems := checkConfig(fs, *configFile)
	var cfg service.Config
	defFlags.apply(&cfg)
	problems = append(problems, convert.Lint(cfg.Convert)...)
	for _, kind := range []pipeline.Kind{pipeline.Samples, pipeline.Events} {
		p, err := service.LoadPipeline(cfg, kind)
		if err != nil {
			problems = append(problems, splitJoined(err)...)
			continue
		}
		for _, sink := range p.Sinks {
			for _, pub := range sink.Publishers {
				sk, err := sinks.New(pub, sinks.Options{TransportURL: service.DefaultBroker, GnocchiURL: service.DefaultGnocchiURL})
				if err != nil {
					problems = append(problems, fmt.Errorf("%s:%d: sink %q: %w", p.File, sink.Line, sink.Name, err))
					continue
				}
				_, samples := sk.(sinks.SampleSink)
				_, evs := sk.(sinks.EventSink)
				if kind == pipeline.Samples && !samples || kind == pipeline.Events && !evs {
					problems = append(problems, fmt.Errorf("%s:%d: sink %q: publisher %s does not take %s", p.File, sink.Line, sink.Name, sinks.Redact(pub), map[pipeline.Kind]string{pipeline.Samples: "samples", pipeline.Events: "events"}[kind]))
				}
			}
		}
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, strings.TrimSpace(p.Error()))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s)", len(problems))
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
