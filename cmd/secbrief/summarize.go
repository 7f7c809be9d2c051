package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/secbrief/secbrief/article"
	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/news"
	"github.com/secbrief/secbrief/render"
	"github.com/secbrief/secbrief/summarizer"
)

// maxInputBytes caps a file or stdin read by summarize.
const maxInputBytes = 10 << 20

// runSummarize summarizes one URL, file or stdin and prints the summary as
// markdown (or JSON), or with -dry-run what would be sent to the LLM.
func runSummarize(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default $SECBRIEF_CONFIG)")
	asJSON := fs.Bool("json", false, "print the structured summary as JSON")
	dryRun := fs.Bool("dry-run", false, "print the extracted text and token estimate; no LLM call, no database file")
	fs.Usage = flagUsage(fs, "summarize")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	var needs []config.Need
	if *dryRun {
		// A dry run keeps nothing: its store (the summarizer needs one) is
		// in memory, so no database file is created.
		e.scratch = true
		if *asJSON {
			fmt.Fprintln(e.stderr, "secbrief summarize: -json does not apply to -dry-run (there is no summary); printing the dry run as text")
		}
	} else {
		needs = append(needs, config.NeedLLM)
	}
	a, err := start(ctx, *configPath, e, needs...)
	if err != nil {
		return err
	}
	defer a.Close()
	// SIGINT or SIGTERM ends ctx and the LLM call with it; the store
	// closes once that call has stopped.
	defer a.sum.Wait()

	art, err := a.readInput(ctx, fs.Arg(0), e.stdin)
	if err != nil {
		return err
	}
	if *dryRun {
		fmt.Fprintf(e.stdout, "# %s\n\nsource: %s\nmodel: %s\n%s\n\n%s\n",
			art.Title, orDash(art.URL), a.cfg.LLM.Model, estimateLine(a.sum.Estimate(art)), art.Text)
		return nil
	}
	s, err := a.summarizeShowingProgress(ctx, art, e.stderr, wallTimer)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	// What the store knows of the CVEs (a bot on the same store keeps it
	// current; the terminal downloads nothing): badges where known.
	known, err := a.intel.Lookup(ctx, s.CVEs...)
	if err != nil {
		a.log.Warn("vulnerability data not read", "err", err)
		known = nil
	}
	_, err = io.WriteString(e.stdout, render.Markdown(s, known))
	return err
}

// readInput turns the argument into an article: a URL is fetched through
// the safe fetcher, "-" reads stdin, anything else is a file (HTML or text).
func (a *app) readInput(ctx context.Context, arg string, stdin io.Reader) (news.Article, error) {
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") || strings.Contains(arg, "://") {
		return a.fetcher.Fetch(ctx, arg)
	}
	var body []byte
	var err error
	if arg == "-" {
		body, err = io.ReadAll(io.LimitReader(stdin, maxInputBytes+1))
		if err != nil {
			return news.Article{}, fmt.Errorf("read stdin: %w", err)
		}
	} else {
		f, err := os.Open(arg)
		if err != nil {
			return news.Article{}, err
		}
		defer f.Close()
		if body, err = io.ReadAll(io.LimitReader(f, maxInputBytes+1)); err != nil {
			return news.Article{}, fmt.Errorf("read %s: %w", arg, err)
		}
	}
	if len(body) > maxInputBytes {
		return news.Article{}, fmt.Errorf("input is larger than %d MiB", maxInputBytes>>20)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return news.Article{}, errors.New("input is empty")
	}
	return article.Parse(body, nil, "")
}

// estimateLine is the dry run's cost line, with the figures the real run
// uses (Estimate and Summarize follow one plan).
func estimateLine(est summarizer.Estimate) string {
	if est.Calls == 0 {
		return fmt.Sprintf("estimated tokens: %d; llm.max_input_tokens leaves no room for this article's requests (title too long?): no request", est.Tokens)
	}
	chunks := fmt.Sprintf("%d chunk(s)", est.Chunks)
	if est.Parts > est.Chunks {
		chunks = fmt.Sprintf("the first %d of %d chunks (llm.max_chunks), %s", est.Chunks, est.Parts, render.CoverageNote(est.Coverage))
	}
	return fmt.Sprintf("estimated tokens: %d in %s; %d request(s), %d if the summary needs its repair",
		est.Tokens, chunks, est.Calls, est.MaxCalls)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
