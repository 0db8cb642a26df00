package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"meterflow/processors/convert"
)

func convertCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("convert", "convert [--meters DIR]... [--events FILE] < bodies.jsonl > output.jsonl", stderr)
	meters := &listFlag{}
	fs.Var(meters, "meters", "meter definitions directory (repeatable; replaces Ceilometer's meter_definitions_dirs: /etc/ceilometer/meters.d if present, then the shipped meters.d)")
	events := fs.String("events", "", "event definitions file (default /etc/ceilometer/event_definitions.yaml if present, else the shipped one)")
	noEtc := fs.Bool("no-etc", false, "ignore /etc/ceilometer: use only the shipped definitions and those named by flags")
	dropUnmatched := fs.Bool("drop-unmatched", false, "drop notifications no event definition matches (Ceilometer's drop_unmatched_notifications)")
	storeRaw := &listFlag{split: true}
	fs.Var(storeRaw, "store-raw", "priorities whose events keep the raw notification (Ceilometer's store_raw)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: meterflow convert [flags] < bodies.jsonl > output.jsonl

Reads wire bodies, one JSON object a line (the exact AMQP body of an oslo.messaging
notification), and writes one line per input: {"samples": [...], "events": [...]} with
Ceilometer 19's field names ("errors" is added when an endpoint failed, as Ceilometer logs),
or {"error": "..."} for a body that is not a notification.

Examples:
  meterflow convert < captured.jsonl
  meterflow convert --meters ./my-meters.d --events ./event_definitions.yaml < captured.jsonl

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	conv, err := convert.Load(convert.Config{
		MeterDirs: meters.values, EventsFile: *events, NoEtc: *noEtc,
		DropUnmatched: *dropUnmatched, StoreRaw: storeRaw.values,
	})
	if err != nil {
		return err
	}
	for _, err := range conv.Skipped {
		fmt.Fprintf(stderr, "meterflow convert: skipped: %v\n", err)
	}
	return convertStream(conv, os.Stdin, stdout)
}

// convertStream converts every line of in. Blank lines are skipped.
func convertStream(conv *convert.Converter, in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriterSize(out, 1<<20)
	var line, buf []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		line = append(line[:0], chunk...)
		for isPrefix {
			if chunk, isPrefix, err = r.ReadLine(); err != nil {
				return err
			}
			line = append(line, chunk...)
		}
		if len(trimSpaceBytes(line)) == 0 {
			continue
		}
		res, err := conv.ConvertBody(line)
		if err != nil {
			buf = convert.AppendError(buf[:0], err)
		} else {
			buf = res.AppendJSON(buf[:0])
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return w.Flush()
}

func trimSpaceBytes(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
