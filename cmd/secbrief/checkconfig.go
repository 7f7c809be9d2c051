package main

import (
	"flag"
	"fmt"

	"github.com/secbrief/secbrief/config"
)

// runCheckConfig loads the configuration and reports every problem, each
// naming its key, with what `run` needs (Discord and the LLM).
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
