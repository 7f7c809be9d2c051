package summarizer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"spaces", " \n\t ", 0},
		{"short words", "a an the", 3},
		{"long word", "internationalization", 5},
		{"punctuation", "CVE-2024-3400!", 6}, // CVE - 2024 - 3400 !
		{"accented latin", "déjà vu", 2},
		{"cjk", "漏洞利用", 4},
		{"emoji", "🔥🔥", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EstimateTokens(tt.text); got != tt.want {
				t.Errorf("EstimateTokens(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

// checkSplit asserts split's invariants: every chunk within budget, no
// empty chunk, and no word lost, added or reordered.
func checkSplit(t *testing.T, text string, budget int) []string {
	t.Helper()
	chunks := split(text, budget)
	for i, c := range chunks {
		if n := EstimateTokens(c); n > budget {
			t.Fatalf("chunk %d has %d tokens, budget %d", i, n, budget)
		}
		if strings.TrimSpace(c) == "" {
			t.Fatalf("chunk %d is empty", i)
		}
	}
	if got, want := strings.Fields(strings.Join(chunks, " ")), strings.Fields(text); strings.Join(got, " ") != strings.Join(want, " ") {
		// Words cut by runes are split in two; compare without spaces then.
		if strings.Join(got, "") != strings.Join(want, "") {
			t.Fatalf("split lost or reordered text")
		}
	}
	return chunks
}

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 40) // 40 tokens
	tests := []struct {
		name   string
		text   string
		budget int
		chunks int
	}{
		{"fits", "one paragraph.\n\ntwo paragraph.", 100, 1},
		{"paragraphs packed", strings.Repeat(para+"\n\n", 10), 100, 5},
		{"one huge paragraph by sentences", strings.Repeat("This is a sentence. ", 200), 100, 13},
		{"one huge word", strings.Repeat("x", 2000), 100, 6},
		{"crlf", strings.Repeat(para+"\r\n\r\n", 4), 100, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkSplit(t, tt.text, tt.budget); len(got) != tt.chunks {
				t.Errorf("%d chunks, want %d", len(got), tt.chunks)
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("a b c\n\nd e f. g h. i\nj", 5)
	f.Add(strings.Repeat("長い文章です。", 50), 7)
	f.Fuzz(func(t *testing.T, text string, budget int) {
		if !utf8.ValidString(text) || budget < 2 || budget > 10000 {
			t.Skip()
		}
		checkSplit(t, text, budget)
	})
}

func longArticle(paras int) news.Article {
	var b strings.Builder
	for i := range paras {
		fmt.Fprintf(&b, "Paragraph %d: the Acme VPN appliance flaw CVE-2025-0001 lets attackers run code; "+
			"%s\n\n", i, strings.Repeat("more detail about the incident and its impact on customers. ", 8))
	}
	return news.Article{Title: "Acme VPN flaw", URL: "https://example.com/long", Text: b.String()}
}

func TestLongTextMapReduce(t *testing.T) {
	const budget = MinInputTokens
	e := newEnv(t, Options{MaxInputTokens: budget})
	a := longArticle(60)
	e.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if r.ResponseFormat == "json_object" {
			return fakellm.Reply(fakellm.SummaryJSON("Acme VPN", "high", "CVE-2025-0001"))
		}
		return fakellm.Reply("- Acme VPN flaw CVE-2025-0001 exploited.")
	})
	est := e.s.Estimate(a)
	if est.Chunks < 2 || est.Tokens <= budget {
		t.Fatalf("estimate = %+v, want several chunks", est)
	}
	plan, err := e.s.Prompt(a)
	if err != nil || len(plan) != est.Chunks {
		t.Fatalf("Prompt: %d requests, err %v; want %d", len(plan), err, est.Chunks)
	}
	sum, err := e.s.Summarize(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	reqs := e.llm.Requests()
	if len(reqs) != est.Chunks+1 {
		t.Fatalf("%d requests, want %d notes + 1 combine", len(reqs), est.Chunks)
	}
	parts := make([]string, est.Chunks+1)
	combines := 0
	for i, r := range reqs {
		msgs := make([]Message, len(r.Messages))
		for j, m := range r.Messages {
			msgs[j] = Message{Role: m.Role, Content: m.Content}
		}
		if n := estimateMessages(msgs); n > budget {
			t.Errorf("request %d: %d estimated tokens, budget %d", i, n, budget)
		}
		_, data := fencedData(t, r)
		if r.ResponseFormat == "json_object" {
			combines++
			if !strings.Contains(data, "Notes on part 1 of") {
				t.Errorf("combine request lacks the notes")
			}
			continue
		}
		// Notes requests run concurrently: order them by part number.
		var part, of int
		if _, err := fmt.Sscanf(data[strings.Index(data, "Part: "):], "Part: %d of %d", &part, &of); err != nil || of != est.Chunks {
			t.Fatalf("request %d: no part header: %v", i, err)
		}
		_, parts[part], _ = strings.Cut(data, "\n\n")
	}
	if combines != 1 || reqs[len(reqs)-1].ResponseFormat != "json_object" {
		t.Errorf("%d combine requests, want exactly 1, last", combines)
	}
	if got, want := strings.Join(strings.Fields(strings.Join(parts, " ")), " "), strings.Join(strings.Fields(a.Text), " "); got != want {
		t.Errorf("the chunks do not hold the whole text, in order (silently cut?)")
	}
	if len(sum.CVEs) != 1 || sum.Severity != news.SeverityHigh {
		t.Errorf("summary = %+v", sum)
	}
	if u := e.cache.Usage(); len(u) != len(reqs) {
		t.Errorf("usage recorded for %d of %d calls", len(u), len(reqs))
	}
}

func TestTooLongNotes(t *testing.T) {
	e := newEnv(t, Options{MaxInputTokens: MinInputTokens})
	// Notes as long as their input never shrink: the summarizer gives up
	// with an error instead of cutting.
	e.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		_, data := fencedData(t, r)
		return fakellm.Reply(data)
	})
	_, err := e.s.Summarize(t.Context(), longArticle(30))
	if err == nil || errors.Is(err, ErrInvalidOutput) {
		t.Fatalf("err = %v, want a too-long error", err)
	}
}
