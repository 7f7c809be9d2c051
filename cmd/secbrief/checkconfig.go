package main

import (
	"flag"
	"fmt"

	"github.com/secbrief/secbrief/config"
)

// runCheckConfig loads the configuration and reports every problem in one
// run (syntax, unknown keys, types, formats and values), each naming its
// key and line, with what `run` needs (Discord and the LLM); unset ${VAR}s
// are warnings, which leave the exit code alone.
func runCheckConfig(args []string, e env) error {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG)")
	fs.Usage = flagUsage(fs, "check-config")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	path := config.Resolve(*configPath, e.getenv)
	if _, err := loadConfig(*configPath, e, config.NeedLLM, config.NeedDiscord); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "configuration OK%s\n", inFile(path))
	return nil
}

// checkedConfig loads and validates the configuration at path for needs,
// printing its warnings on stderr (they change nothing), and returns every
// problem at once, one a line, each with its key and, when it is in the
// file, its line.
func checkedConfig(path string, e env, needs ...config.Need) (config.Config, error) {
	cfg, rep, err := config.Check(path, e.getenv, needs...)
	if e.secrets != nil {
		e.secrets.Add(cfg.Secrets()...)
	}
	if err != nil {
		return cfg, err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "secbrief: warning: %v\n", w)
	}
	if err := rep.Err(); err != nil {
		return cfg, fmt.Errorf("invalid configuration%s:\n%w", inFile(path), err)
	}
	return cfg, nil
}
