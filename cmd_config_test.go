package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"meterflow/config"
)

var updateExample = flag.Bool("update-example", false, "rewrite etc/meterflow.yaml from the flags of meterflow run")

const examplePath = "etc/meterflow.yaml"

// clearRunEnv unsets every $MF_<FLAG> of run for the test.
func clearRunEnv(t *testing.T) {
	fs, _, _, _ := declareRunFlags(io.Discard)
	fs.VisitAll(func(fl *flag.Flag) { t.Setenv(config.EnvName(fl.Name), "") })
	t.Setenv(config.EnvConfig, "")
}

// runConfig parses args as run does and returns the service's config.
func runConfig(t *testing.T, args ...string) (*flag.FlagSet, error) {
	t.Helper()
	fs, configFile, build, _ := declareRunFlags(io.Discard)
	if err := parseFlags(fs, args); err != nil {
		t.Fatal(err)
	}
	if err := applyConfig(fs, *configFile); err != nil {
		return nil, err
	}
	if _, err := build(); err != nil {
		t.Fatal(err)
	}
	return fs, nil
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "meterflow.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPrecedenceFlagThenEnvThenFileThenDefault(t *testing.T) {
	clearRunEnv(t)
	file := writeFile(t, `
prefetch: 10
sink-batch: 20
process-concurrency: 30
stream-max-age: 24h
amqp-url:
  - rabbit://a:5672,b:5672/
  - rabbit://c/
exchanges: [nova, glance]
`)
	t.Setenv("MF_SINK_BATCH", "21")
	t.Setenv("MF_PREFETCH", "11")
	t.Setenv("MF_PRIORITIES", "info,error")
	fs, err := runConfig(t, "--config", file, "--prefetch", "12")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"prefetch":            "12",                                  // flag beats env and file
		"sink-batch":          "21",                                  // env beats file
		"process-concurrency": "30",                                  // file beats default
		"stream-max-age":      "24h0m0s",                             // file, duration
		"shutdown-timeout":    (30 * time.Second).String(),           // default
		"amqp-url":            "rabbit://a:5672,b:5672/,rabbit://c/", // list from a sequence, commas kept
		"exchanges":           "nova,glance",
		"priorities":          "info,error",
	} {
		if got := fs.Lookup(name).Value.String(); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestConfigFileFromEnvAndAMQPURLSplitOnWhitespace(t *testing.T) {
	clearRunEnv(t)
	t.Setenv(config.EnvConfig, writeFile(t, "prefetch: 7\n"))
	t.Setenv("MF_AMQP_URL", "rabbit://a:5672,b:5672/  rabbit://c/")
	fs, err := runConfig(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("prefetch").Value.String(); got != "7" {
		t.Errorf("prefetch %s from $MF_CONFIG's file", got)
	}
	if got := fs.Lookup("amqp-url").Value.(config.ListValue).Values(); !slices.Equal(got, []string{"rabbit://a:5672,b:5672/", "rabbit://c/"}) {
		t.Errorf("amqp-url %q", got)
	}
}

func TestConfigErrorsNameFileLineKeyAndType(t *testing.T) {
	clearRunEnv(t)
	file := writeFile(t, "prefetch: lots\nexchange: [nova]\nstream-max-age: 7 days\nbridge-only: {a: b}\ndata: [x]\n")
	t.Setenv("MF_SINK_BATCH", "big")
	_, err := runConfig(t, "--config", file)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		file + `:2: unknown option "exchange"`,
		file + ":1: prefetch: want an integer",
		file + ":3: stream-max-age: want a duration",
		file + ":4: bridge-only: want a boolean (true or false): got a mapping",
		file + ":5: data: want a string: got a list",
		"$MF_SINK_BATCH: want an integer",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := runConfig(t, "--config", writeFile(t, "prefetch: 1\nprefetch: 2\n")); err == nil || !strings.Contains(err.Error(), ":2: prefetch: repeated (first at line 1)") {
		t.Errorf("repeated key: %v", err)
	}
}

func TestExampleConfigListsEveryRunFlag(t *testing.T) {
	clearRunEnv(t) // defaults taken from $MF_NATS_PASSWORD and the like stay out
	fs, _, _, _ := declareRunFlags(io.Discard)
	want, err := config.Example(fs, exampleHeader)
	if err != nil {
		t.Fatal(err)
	}
	if *updateExample {
		if err := os.WriteFile(examplePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := config.Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _, _ := declareRunFlags(io.Discard)
	_ = got.Parse(nil)
	if err := config.Apply(got, f, config.Options{}); err != nil {
		t.Fatalf("%v\n(go test -run TestExampleConfig -update-example . rewrites it)", err)
	}
	example, _ := os.ReadFile(examplePath)
	fs.VisitAll(func(fl *flag.Flag) {
		if fl.Name == config.FlagName {
			return
		}
		if !bytes.Contains(example, []byte("\n"+fl.Name+":")) {
			t.Errorf("%s lacks option %q (go test -run TestExampleConfig -update-example . rewrites it)", examplePath, fl.Name)
		} else if g := got.Lookup(fl.Name).Value.String(); g != fl.DefValue {
			t.Errorf("%s: %s is %q, the default is %q (go test -run TestExampleConfig -update-example . rewrites it)", examplePath, fl.Name, g, fl.DefValue)
		}
	})
}

const exampleHeader = `meterflow run --config meterflow.yaml (or $MF_CONFIG=meterflow.yaml)

Every option of 'meterflow run', named like its flag, with its default.
Precedence: flag, then the environment variable MF_<FLAG> (upper case,
dashes as underscores), then this file, then the default. Values are
written as on the command line (168h, true, 1000); list options take a YAML
list or one string. In the environment, list values are separated by
whitespace (MF_AMQP_URL='rabbit://h1:5672,h2:5672/ rabbit://other/'), and
comma-separated lists such as MF_EXCHANGES also take commas. A key with no
value keeps the default; an unknown key is an error.
Generated by: go test -run TestExampleConfig -update-example .`

func TestLintChecksTheConfigFile(t *testing.T) {
	clearRunEnv(t)
	var out, errOut bytes.Buffer
	good := writeFile(t, "no-etc: true\nprefetch: 5\n")
	if code := dispatch([]string{"lint", "--config", good}, &out, &errOut); code != 0 || strings.TrimSpace(out.String()) != "ok" {
		t.Fatalf("good file: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	bad := writeFile(t, "no-etc: true\nprefetch: five\nnats-urls: x\n")
	out.Reset()
	if code := dispatch([]string{"lint", "--config", bad}, &out, &errOut); code != 1 {
		t.Fatalf("bad file: exit %d\n%s", code, out.String())
	}
	for _, want := range []string{bad + ":2: prefetch: want an integer", bad + `:3: unknown option "nats-urls"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// The file's definition options are linted: a pipeline that does not exist.
	missing := writeFile(t, "no-etc: true\npipeline: /nonexistent/pipeline.yaml\n")
	out.Reset()
	if code := dispatch([]string{"lint", "--config", missing}, &out, &errOut); code != 1 || !strings.Contains(out.String(), "/nonexistent/pipeline.yaml") {
		t.Errorf("pipeline from the file: exit %d\n%s", code, out.String())
	}
}
