package main

import (
	"flag"
	"io"
	"os"

	"meterflow/config"
)

// checkConfig checks the config file and the environment against the flags
// of run, then fills fs's flags not given on the command line from them.
func checkConfig(fs *flag.FlagSet, path string) []error {
	var f *config.File
	if path = config.Path(path); path != "" {
		var err error
		if f, err = config.Load(path); err != nil {
			return splitJoined(err)
		}
	}
	runFS, _, _, _ := declareRunFlags(io.Discard)
	_ = runFS.Parse(nil)
	if err := config.Apply(runFS, f, config.Options{LookupEnv: os.LookupEnv}); err != nil {
		return splitJoined(err)
	}
	// Valid for run, so valid for lint's flags, a subset of run's.
	if err := config.Apply(fs, f, config.Options{LookupEnv: os.LookupEnv, IgnoreUnknown: true}); err != nil {
		return splitJoined(err)
	}
	return nil
}
