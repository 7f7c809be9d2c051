// Command secbrief is the security-news Discord bot and its terminal tools.
//
//	secbrief run [-config F]                       connect to Discord and serve
//	secbrief summarize [-config F] [-json] [-dry-run] URL|FILE|-
//	secbrief digest [-config F] [-since 24h] -dry-run
//	secbrief check-config [-config F]
//	secbrief usage [-config F] [-days 30] [-json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/secbrief/secbrief/internal/redact"

	// IANA zones for digest schedules, even on hosts without tzdata.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// env is what a subcommand gets from the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// secrets gets the configured secrets when the configuration is loaded
	// (nil: none kept); run masks them in stdout and in the error it prints.
	secrets *redact.Redactor
}

const usage = `secbrief summarizes security news, in Discord and in the terminal.

Usage:
  secbrief run [-config FILE]                          run the Discord bot
  secbrief summarize [-config FILE] [-json] [-dry-run] URL | FILE | -
  secbrief digest [-config FILE] [-since 24h] -dry-run print a digest of the feeds
  secbrief check-config [-config FILE]                 report every problem in the configuration
  secbrief usage [-config FILE] [-days 30] [-json]     LLM tokens per day, server and model

The configuration file is -config, else $SECBRIEF_CONFIG; without one, the
defaults and the environment (OPENAI_API_KEY, DISCORD_TOKEN) are used.
`

// run executes one subcommand and returns the process exit code: 0 on
// success, 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	secrets := redact.New()
	// Only the configured secrets: the token patterns of the log redaction
	// would mangle a summary's prose.
	out := secrets.Writer(stdout)
	defer out.Flush()
	e := env{stdin: stdin, stdout: out, stderr: stderr, getenv: getenv, secrets: secrets}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = runBot(ctx, args[1:], e)
	case "summarize":
		err = runSummarize(ctx, args[1:], e)
	case "digest":
		err = runDigest(ctx, args[1:], e)
	case "check-config":
		err = runCheckConfig(args[1:], e)
	case "usage":
		err = runUsage(ctx, args[1:], e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "secbrief: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		// Through the log redaction: an LLM server may quote the rejected key.
		fmt.Fprintf(stderr, "secbrief %s: %s\n", args[0], secrets.String(err.Error()))
		return 1
	}
}

// errUsage marks an error already explained by the flag set's usage text.
var errUsage = errors.New("usage")
