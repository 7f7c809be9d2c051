package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secbrief/secbrief/config"
	"github.com/secbrief/secbrief/internal/fakeclock"
	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// slowApp opens the app against llm with the configuration of writeConfig.
func slowApp(t *testing.T, llm *fakellm.Server) *app {
	t.Helper()
	cfg, err := config.Load(writeConfig(t, llm), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.sum.Wait(); a.Close() })
	return a
}

var progressArticle = news.Article{
	URL:   "https://example.com/acme",
	Title: "Acme Router flaw exploited",
	Text:  strings.Repeat("Acme disclosed a remote code execution flaw in its router firmware, exploited in the wild. ", 20),
}

// TestSummarizeShowsProgressWhileTheLLMIsSlow: a terminal summary the LLM
// keeps waiting says so on stderr after 10 s, then every 30 s, naming
// llm.timeout; nothing more once it returns.
func TestSummarizeShowsProgressWhileTheLLMIsSlow(t *testing.T) {
	llm := fakellm.New(t)
	llm.Enqueue(fakellm.Blocked())
	a := slowApp(t, llm)
	clock := fakeclock.New(time.Unix(0, 0))
	var out syncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := a.summarizeShowingProgress(ctx, progressArticle, &out, clock.NewTimer)
		done <- err
	}()
	if err := clock.WaitPending(ctx, 1); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the LLM request", func() bool { return llm.Calls() == 1 })
	if got := clock.Pending(); !slices.Equal(got, []time.Duration{10 * time.Second}) || out.String() != "" {
		t.Fatalf("pending %v, output %q: want one 10s timer and silence", got, out.String())
	}
	clock.Advance(10 * time.Second)
	waitUntil(t, "the first progress line", func() bool { return strings.Contains(out.String(), "after 10s") })
	for _, want := range []string{"still waiting for the LLM", "llm.timeout 1m", "llm.max_retries 0", "127.0.0.1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress %q lacks %q", out.String(), want)
		}
	}
	waitUntil(t, "the next timer", func() bool { return slices.Equal(clock.Pending(), []time.Duration{30 * time.Second}) })
	clock.Advance(30 * time.Second)
	waitUntil(t, "the second progress line", func() bool { return strings.Contains(out.String(), "after 40s") })

	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled summary returned no error")
	}
	if p := clock.Pending(); len(p) != 0 {
		t.Errorf("timers left pending after return: %v", p)
	}
	lines := strings.Count(out.String(), "\n")
	clock.Advance(time.Hour)
	if n := strings.Count(out.String(), "\n"); n != lines || lines != 2 {
		t.Errorf("%d progress lines, then %d after return; want 2 and no more", lines, n)
	}
}

// TestSummarizeQuickLLMIsQuiet: an answer within 10 s prints no progress.
func TestSummarizeQuickLLMIsQuiet(t *testing.T) {
	llm := fakellm.New(t)
	llm.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.Reply(summaryJSON) })
	a := slowApp(t, llm)
	clock := fakeclock.New(time.Unix(0, 0))
	var out syncBuffer
	if _, err := a.summarizeShowingProgress(t.Context(), progressArticle, &out, clock.NewTimer); err != nil {
		t.Fatal(err)
	}
	if out.String() != "" || len(clock.Pending()) != 0 {
		t.Fatalf("output %q, pending %v: want silence and no timer left", out.String(), clock.Pending())
	}
}

// TestSummarizeSlowLLMHint: a request past llm.timeout fails the command
// with the key to raise.
func TestSummarizeSlowLLMHint(t *testing.T) {
	llm := fakellm.New(t)
	llm.SetResponder(func(fakellm.Request) fakellm.Response { return fakellm.Blocked() })
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	body := "llm:\n  base_url: " + llm.URL() + "\n  timeout: 100ms\n  max_retries: 0\nstorage:\n  path: " + filepath.Join(dir, "s.db") + "\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(text, []byte(progressArticle.Title+"\n\n"+progressArticle.Text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "summarize", "-config", cfg, text)
	if code != 1 || !strings.Contains(errOut, "did not answer within 100ms (llm.timeout") {
		t.Fatalf("exit %d, stderr %s; want 1 and the llm.timeout hint", code, errOut)
	}
}
