package main

import (
	"flag"
	"os"

	"meterflow/config"

	"meterflow/processors/convert"
	"meterflow/service"
	jst "meterflow/transport/jetstream"
)

// natsFlags are the NATS credential flags shared by run and replay.
type natsFlags struct {
	user, password, token, creds, nkey, ca, cert, key *string
}

func addNATSFlags(fs *flag.FlagSet) *natsFlags {
	return &natsFlags{
		user:     fs.String("nats-user", "", "NATS user (external server), or the user required by the embedded one"),
		password: secretFlag(fs, "nats-password", "NATS password (default from $MF_NATS_PASSWORD)"),
		token:    secretFlag(fs, "nats-token", "NATS token (default from $MF_NATS_TOKEN)"),
		creds:    fs.String("nats-creds", "", "NATS credentials file (external server)"),
		nkey:     fs.String("nats-nkey", "", "NATS nkey seed file (external server)"),
		ca:       fs.String("nats-ca", "", "CA certificate file to verify the NATS server"),
		cert:     fs.String("nats-cert", "", "client certificate file for NATS TLS"),
		key:      fs.String("nats-key", "", "client key file for NATS TLS"),
	}
}

// options are the connect options for an external server.
func (n *natsFlags) options() []jst.ConnectOption {
	var opts []jst.ConnectOption
	switch {
	case *n.token != "":
		opts = append(opts, jst.WithToken(*n.token))
	case *n.user != "":
		opts = append(opts, jst.WithUserPassword(*n.user, *n.password))
	}
	if *n.creds != "" {
		opts = append(opts, jst.WithCredsFile(*n.creds))
	}
	if *n.nkey != "" {
		opts = append(opts, jst.WithNKeySeedFile(*n.nkey))
	}
	if *n.ca != "" {
		opts = append(opts, jst.WithRootCAs(*n.ca))
	}
	if *n.cert != "" || *n.key != "" {
		opts = append(opts, jst.WithClientCert(*n.cert, *n.key))
	}
	return opts
}

// definitionFlags select the definitions and pipelines (run, replay, lint).
type definitionFlags struct {
	meters                          *listFlag
	events, pipeline, eventPipeline *string
	noEtc                           *bool
}

func addDefinitionFlags(fs *flag.FlagSet) *definitionFlags {
	d := &definitionFlags{meters: &listFlag{}}
	fs.Var(d.meters, "meters", "meter definitions directory, repeatable (default /etc/ceilometer/meters.d if present, then the shipped meters.d)")
	d.events = fs.String("events", "", "event definitions file (default /etc/ceilometer/event_definitions.yaml if present, else the shipped one)")
	d.pipeline = fs.String("pipeline", "", "Ceilometer pipeline.yaml (default /etc/ceilometer/pipeline.yaml if present, else the shipped one)")
	d.eventPipeline = fs.String("event-pipeline", "", "Ceilometer event_pipeline.yaml (default /etc/ceilometer/event_pipeline.yaml if present, else the shipped one)")
	d.noEtc = fs.Bool("no-etc", false, "ignore /etc/ceilometer")
	return d
}

// apply sets the definition fields of a service config.
func (d *definitionFlags) apply(cfg *service.Config) {
	cfg.Convert = convert.Config{MeterDirs: d.meters.values, EventsFile: *d.events, NoEtc: *d.noEtc}
	cfg.PipelineFile, cfg.EventPipelineFile = *d.pipeline, *d.eventPipeline
}

func addSecretFlag(fs *flag.FlagSet) *string {
	return secretFlag(fs, "telemetry-secret", "secret signing samples and events, Ceilometer's telemetry_secret (default from $MF_TELEMETRY_SECRET, else Ceilometer's default)")
}

// secretFlag declares a string flag holding a secret. Its default is
// $MF_<FLAG> (for commands that do not apply the config file), and its
// value is never shown: not in --help, not in a usage message after a
// flag error, not in a generated config file.
func secretFlag(fs *flag.FlagSet, name, usage string) *string {
	v := &secretValue{p: new(string)}
	*v.p = os.Getenv(config.EnvName(name))
	fs.Var(v, name, usage)
	return v.p
}

// secretValue is a flag.Value whose String hides the value.
type secretValue struct{ p *string }

func (s *secretValue) String() string { return "" }

func (s *secretValue) Set(v string) error {
	*s.p = v
	return nil
}

// Get implements flag.Getter (config.TypeName: "a string").
func (s *secretValue) Get() any {
	if s == nil || s.p == nil {
		return ""
	}
	return *s.p
}

// Values lists the flag's current values (config.ListValue).
func (l *listFlag) Values() []string { return l.values }

// addConfigFlag adds --config, the YAML file applyConfig reads.
func addConfigFlag(fs *flag.FlagSet) *string {
	return fs.String(config.FlagName, "", "YAML file of options, keys named like these flags (default $"+config.EnvConfig+"); flags and $MF_<FLAG> variables take precedence (example: etc/meterflow.yaml)")
}

// applyConfig completes a parsed FlagSet: a flag not given on the command
// line takes its $MF_<FLAG> variable, else its key in the config file (path,
// else $MF_CONFIG), else keeps its default.
func applyConfig(fs *flag.FlagSet, path string) error {
	var f *config.File
	if path = config.Path(path); path != "" {
		var err error
		if f, err = config.Load(path); err != nil {
			return err
		}
	}
	return config.Apply(fs, f, config.Options{LookupEnv: os.LookupEnv})
}
