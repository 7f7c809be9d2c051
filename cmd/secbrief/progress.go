package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sync"
	"time"

	"github.com/secbrief/secbrief/news"
)

// A terminal summary may wait on the LLM for llm.timeout per request and
// llm.max_retries retries (four minutes by default): after progressFirst
// it says it is still waiting, then every progressEvery.
const (
	progressFirst = 10 * time.Second
	progressEvery = 30 * time.Second
)

// newTimer starts a timer: its channel fires once after d; stop stops it.
// time.NewTimer in the binary, a fake clock's in tests.
type newTimer func(d time.Duration) (c <-chan time.Time, stop func() bool)

// wallTimer is newTimer on the wall clock.
func wallTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// summarizeShowingProgress summarizes art, telling w when the LLM keeps
// it waiting, with the keys that bound the wait.
func (a *app) summarizeShowingProgress(ctx context.Context, art news.Article, w io.Writer, timer newTimer) (news.Summary, error) {
	host := a.cfg.LLM.BaseURL
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	note := func(waited time.Duration) string {
		return fmt.Sprintf("secbrief summarize: still waiting for the LLM after %s (%s at %s; each request may take up to "+
			"llm.timeout %s, retried up to llm.max_retries %d times)",
			waited, a.cfg.LLM.Model, host, a.cfg.LLM.Timeout, a.cfg.LLM.MaxRetries)
	}
	var s news.Summary
	err := withProgress(w, timer, note, func() error {
		var err error
		s, err = a.sum.Summarize(ctx, art)
		return err
	})
	return s, err
}

// withProgress runs work and, while it runs, writes note(waited) on w
// after progressFirst and then every progressEvery. Nothing is written
// once work has returned.
func withProgress(w io.Writer, timer newTimer, note func(waited time.Duration) string, work func() error) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		waited, next := time.Duration(0), progressFirst
		for {
			c, stop := timer(next)
			select {
			case <-done:
				stop()
				return
			case <-c:
				waited += next
				fmt.Fprintln(w, note(waited))
				next = progressEvery
			}
		}
	}()
	err := work()
	close(done)
	wg.Wait()
	return err
}
