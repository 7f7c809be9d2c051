// Command secbrief is the security-news Discord bot and its terminal tools.
//
//	secbrief run [-config F]                       connect to Discord and serve
//	secbrief summarize [-config F] [-json] [-dry-run] URL|FILE|-
//	secbrief digest [-config F] [-since 24h] [-no-llm] -dry-run
//	secbrief check-config [-config F]
//	secbrief usage [-config F] [-days 30] [-json]
//	secbrief copy-store [-config F] -from PATH
//	secbrief version
//	secbrief help [COMMAND]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
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
	// scratch makes start open a private in-memory store instead of
	// storage.path: the subcommand keeps nothing (summarize -dry-run).
	scratch bool
}

// command is one subcommand: its synopsis for the usage text and help,
// and what runs it.
type command struct {
	name    string
	args    string // synopsis after the name
	summary string
	run     func(ctx context.Context, args []string, e env) error
}

// subcommands lists the subcommands in the order the usage text shows them.
func subcommands() []command {
	return []command{
		{"run", "[-config FILE]", "run the Discord bot", runBot},
		{"summarize", "[-config FILE] [-json] [-dry-run] URL | FILE | -", "summarize an article", runSummarize},
		{"digest", "[-config FILE] [-since 24h] [-no-llm] -dry-run", "print a digest of the feeds", runDigest},
		{"check-config", "[-config FILE]", "report every problem in the configuration",
			func(_ context.Context, args []string, e env) error { return runCheckConfig(args, e) }},
		{"usage", "[-config FILE] [-days 30] [-json]", "LLM tokens per day, server and model", runUsage},
		{"copy-store", "[-config FILE] -from PATH", "copy an SQLite store into the configured PostgreSQL store", runCopyStore},
		{"version", "", "print the version, commit and Go version",
			func(_ context.Context, args []string, e env) error { return runVersion(args, e) }},
		{"help", "[COMMAND]", "print this text, or a command's flags", nil},
	}
}

// lookupCommand returns the subcommand called name.
func lookupCommand(name string) (command, bool) {
	for _, c := range subcommands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usageText is the overview `secbrief help` prints.
func usageText() string {
	var b strings.Builder
	b.WriteString("secbrief summarizes security news, in Discord and in the terminal.\n\nUsage:\n")
	for _, c := range subcommands() {
		line := strings.TrimSpace("secbrief " + c.name + " " + c.args)
		fmt.Fprintf(&b, "  %-68s %s\n", line, c.summary)
	}
	b.WriteString(`
"secbrief help COMMAND" (or "secbrief COMMAND -h") lists a command's flags;
flags may come before or after the arguments, and "--" ends them.
The configuration file is -config, else $SECBRIEF_CONFIG; without one, the
defaults and the environment (OPENAI_API_KEY, DISCORD_TOKEN) are used.
`)
	return b.String()
}

// flagUsage returns a FlagSet.Usage for the subcommand called name: its
// synopsis and summary from subcommands(), then its flags.
func flagUsage(fs *flag.FlagSet, name string) func() {
	return func() {
		c, _ := lookupCommand(name)
		fmt.Fprintf(fs.Output(), "usage: %s\n\n%s.\n\nflags:\n", strings.TrimSpace("secbrief "+name+" "+c.args), upperFirst(c.summary))
		fs.PrintDefaults()
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

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
		fmt.Fprint(stderr, usageText())
		return 2
	}
	name := args[0]
	var err error
	switch name {
	case "help", "-h", "-help", "--help":
		err = runHelp(ctx, args[1:], e)
	case "-version", "--version":
		err = runVersion(args[1:], e)
	default:
		c, ok := lookupCommand(name)
		if !ok {
			fmt.Fprintf(stderr, "secbrief: unknown command %q\n\n%s", name, usageText())
			return 2
		}
		err = c.run(ctx, args[1:], e)
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
		fmt.Fprintf(stderr, "secbrief %s: %s\n", strings.TrimLeft(name, "-"), secrets.String(err.Error()))
		return 1
	}
}

// runHelp prints the overview, or with a command's name that command's
// help (its -h text) on stdout: help that was asked for is the output.
func runHelp(ctx context.Context, args []string, e env) error {
	switch len(args) {
	case 0:
		fmt.Fprint(e.stdout, usageText())
		return nil
	case 1:
	default:
		fmt.Fprint(e.stderr, "usage: secbrief help [COMMAND]\n")
		return errUsage
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "secbrief help: unknown command %q\n\n%s", args[0], usageText())
		return errUsage
	}
	if c.run == nil { // help itself
		fmt.Fprint(e.stdout, usageText())
		return nil
	}
	e.stderr = e.stdout
	return c.run(ctx, []string{"-h"}, e)
}

// errUsage marks an error already explained by the flag set's usage text.
var errUsage = errors.New("usage")
