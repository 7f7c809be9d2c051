package summarizer

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/secbrief/secbrief/internal/fakellm"
	"github.com/secbrief/secbrief/news"
)

// hugePage is an article of about size bytes of paragraphs, each naming
// its number (so that a test can tell which parts were sent).
func hugePage(size int) news.Article {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "Paragraph %d: the Acme VPN appliance flaw CVE-2025-0001 lets attackers run code; "+
			"%s\n\n", i, strings.Repeat("more detail about the incident and its impact on customers. ", 8))
	}
	return news.Article{Title: "Acme VPN flaw", URL: "https://example.com/huge", Text: b.String()}
}

// longReplies answers notes requests with notes far longer than asked (the
// whole part, twice: a model that ignores the length) and summary
// requests with the summary JSON, after badFirst invalid summary replies.
func longReplies(t testing.TB, badFirst int32) fakellm.Responder {
	var bad atomic.Int32
	bad.Store(badFirst)
	return func(r fakellm.Request) fakellm.Response {
		if r.ResponseFormat != "json_object" {
			_, data := fencedData(t, r)
			return fakellm.Reply(data + "\n" + data)
		}
		if bad.Add(-1) >= 0 {
			return fakellm.Reply(`{"title": "Acme VPN", oops`)
		}
		return fakellm.Reply(fakellm.SummaryJSON("Acme VPN", "high", "CVE-2025-0001"))
	}
}

// requestTokens is the estimate of a recorded request's prompt.
func requestTokens(r fakellm.Request) int {
	msgs := make([]Message, len(r.Messages))
	for j, m := range r.Messages {
		msgs[j] = Message{Role: m.Role, Content: m.Content}
	}
	return estimateMessages(msgs)
}

// notesParts returns the text of each notes request's part, by part
// number (1-based), and the number of parts they name.
func notesParts(t *testing.T, reqs []fakellm.Request) (map[int]string, int) {
	t.Helper()
	parts := map[int]string{}
	of := 0
	for i, r := range reqs {
		if r.ResponseFormat == "json_object" {
			continue
		}
		_, data := fencedData(t, r)
		var part int
		if _, err := fmt.Sscanf(data[strings.Index(data, "Part: "):], "Part: %d of %d", &part, &of); err != nil {
			t.Fatalf("request %d: no part header: %v", i, err)
		}
		_, parts[part], _ = strings.Cut(data, "\n\n")
	}
	return parts, of
}

func TestLongTextMapReduce(t *testing.T) {
	const budget = 2000
	e := newEnv(t, Options{MaxInputTokens: budget})
	a := longArticle(60)
	e.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if r.ResponseFormat == "json_object" {
			return fakellm.Reply(fakellm.SummaryJSON("Acme VPN", "high", "CVE-2025-0001"))
		}
		return fakellm.Reply("- Acme VPN flaw CVE-2025-0001 exploited.")
	})
	est := e.s.Estimate(a)
	if est.Chunks < 2 || est.Chunks > DefaultMaxChunks || est.Parts != est.Chunks || est.Coverage != 1 {
		t.Fatalf("estimate = %+v, want every one of several chunks", est)
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
	if len(reqs) != est.Calls || est.Calls != est.Chunks+1 {
		t.Fatalf("%d requests, want %d notes + 1 combine", len(reqs), est.Chunks)
	}
	for i, r := range reqs {
		if n := requestTokens(r); n > budget {
			t.Errorf("request %d: %d estimated tokens, budget %d", i, n, budget)
		}
	}
	last := reqs[len(reqs)-1]
	if _, data := fencedData(t, last); last.ResponseFormat != "json_object" || !strings.Contains(data, "Notes on part 1 of") {
		t.Errorf("the last request is not the combine request over the notes")
	}
	parts, of := notesParts(t, reqs)
	if len(parts) != est.Chunks || of != est.Chunks {
		t.Fatalf("notes on %d parts of %d, want all %d", len(parts), of, est.Chunks)
	}
	texts := make([]string, 0, len(parts))
	for i := 1; i <= len(parts); i++ {
		texts = append(texts, parts[i])
	}
	if got, want := strings.Join(strings.Fields(strings.Join(texts, " ")), " "), strings.Join(strings.Fields(a.Text), " "); got != want {
		t.Errorf("the chunks do not hold the whole text, in order (silently cut?)")
	}
	if len(sum.CVEs) != 1 || sum.Severity != news.SeverityHigh || sum.Coverage != 0 {
		t.Errorf("summary = %+v (coverage must stay 0 for the whole text)", sum)
	}
	if u := e.cache.Usage(); len(u) != len(reqs) {
		t.Errorf("usage recorded for %d of %d calls", len(u), len(reqs))
	}
}

// TestVeryLongPageHasACeiling: a page of many more chunks than max_chunks
// costs max_chunks notes calls, one combine and at most one repair; the
// notes are on its first chunks, capped so that they fit one request, and
// the summary says how much of the page it was made from.
func TestVeryLongPageHasACeiling(t *testing.T) {
	const budget, maxChunks = 2000, 3
	tests := []struct {
		name     string
		badFirst int32 // invalid summary replies before a valid one
		calls    int
		wantErr  error
	}{
		{"valid combine reply", 0, maxChunks + 1, nil},
		{"one repair", 1, maxChunks + 2, nil},
		{"repair fails too", 2, maxChunks + 2, ErrInvalidOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{MaxInputTokens: budget, MaxChunks: maxChunks})
			a := longArticle(300)
			e.llm.SetResponder(longReplies(t, tt.badFirst))
			est := e.s.Estimate(a)
			if est.Chunks != maxChunks || est.Parts <= 3*maxChunks || est.Calls != maxChunks+1 || est.MaxCalls != maxChunks+2 {
				t.Fatalf("estimate = %+v, want %d of many chunks", est, maxChunks)
			}
			sum, err := e.s.Summarize(t.Context(), a)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			reqs := e.llm.Requests()
			if len(reqs) != tt.calls {
				t.Fatalf("%d LLM calls, want %d", len(reqs), tt.calls)
			}
			p, err := e.s.plan(a)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range reqs {
				if n := requestTokens(r); n > budget {
					t.Errorf("request %d: %d estimated tokens, budget %d", i, n, budget)
				}
				if r.ResponseFormat != "json_object" && r.MaxTokens != p.noteTokens {
					t.Errorf("notes request %d: max_tokens %d, want the note cap %d", i, r.MaxTokens, p.noteTokens)
				}
			}
			if p.noteTokens < MinNoteTokens || p.noteTokens >= DefaultMaxOutputTokens {
				t.Errorf("note cap %d", p.noteTokens)
			}
			// The notes are on the first chunks, in order.
			parts, of := notesParts(t, reqs)
			if len(parts) != maxChunks || of != est.Parts {
				t.Fatalf("notes on parts %v of %d", parts, of)
			}
			var sent []string
			for i := 1; i <= maxChunks; i++ {
				sent = append(sent, parts[i])
			}
			got, all := strings.Fields(strings.Join(sent, " ")), strings.Fields(a.Text)
			if strings.Join(got, " ") != strings.Join(all[:len(got)], " ") {
				t.Errorf("the notes are not on the first chunks of the page")
			}
			// The combine request holds every note, each clipped.
			_, combine := fencedData(t, reqs[maxChunks])
			for i := 1; i <= maxChunks; i++ {
				if !strings.Contains(combine, fmt.Sprintf("Notes on part %d of %d:", i, est.Parts)) {
					t.Errorf("combine request lacks the notes on part %d", i)
				}
			}
			if !strings.Contains(combine, "…") {
				t.Errorf("notes longer than asked were not clipped")
			}
			if tt.wantErr != nil {
				return
			}
			// The coverage is the share of the text sent, as estimated.
			want := float64(utf8.RuneCountInString(strings.Join(sent, "\n\n"))) / float64(utf8.RuneCountInString(a.Text))
			if sum.Coverage <= 0 || sum.Coverage >= 1 || math.Abs(sum.Coverage-want) > 0.01 || sum.Coverage != est.Coverage {
				t.Errorf("coverage = %v, estimate %v, want about %v", sum.Coverage, est.Coverage, want)
			}
			cached, ok, err := e.s.Cached(t.Context(), a)
			if err != nil || !ok || cached.Coverage != sum.Coverage {
				t.Errorf("the cached summary lost the coverage: %v %v %v", cached.Coverage, ok, err)
			}
		})
	}
}

// TestFiveMiBPage is the figure: a 5 MiB page with the default
// budget costs at most max_chunks + 2 calls, also when the model ignores
// the length asked of its notes and the summary needs its repair.
func TestFiveMiBPage(t *testing.T) {
	if testing.Short() {
		t.Skip("5 MiB page")
	}
	e := newEnv(t, Options{})
	e.llm.SetResponder(longReplies(t, 1))
	a := hugePage(5 << 20)
	est := e.s.Estimate(a)
	sum, err := e.s.Summarize(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.llm.Calls(); n != DefaultMaxChunks+2 || est.MaxCalls != n {
		t.Errorf("%d LLM calls (estimate %d), want max_chunks+2 = %d", n, est.MaxCalls, DefaultMaxChunks+2)
	}
	if sum.Coverage <= 0 || sum.Coverage > 0.05 || sum.Coverage != est.Coverage {
		t.Errorf("coverage = %v, estimate %v", sum.Coverage, est.Coverage)
	}
}

// TestEstimateIsTheRun: the dry run's figures are the real run's, for short,
// long and very long articles and several max_chunks.
func TestEstimateIsTheRun(t *testing.T) {
	tests := []struct {
		name      string
		a         news.Article
		budget    int
		maxChunks int
	}{
		{"short", advisory(1), 0, 0},
		{"long, all chunks", longArticle(40), 2000, 8},
		{"very long, first chunks", longArticle(200), 2000, 4},
		{"very long, one chunk", longArticle(200), MinInputTokens, 1},
		{"small budget lowers the chunks", longArticle(200), MinInputTokens, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{MaxInputTokens: tt.budget, MaxChunks: tt.maxChunks})
			e.llm.SetResponder(longReplies(t, 0))
			est := e.s.Estimate(tt.a)
			sum, err := e.s.Summarize(t.Context(), tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if n := e.llm.Calls(); n != est.Calls {
				t.Errorf("%d calls, estimate %+v", n, est)
			}
			want := est.Coverage
			if want == 1 {
				want = 0
			}
			if sum.Coverage != want {
				t.Errorf("coverage %v, estimate %v", sum.Coverage, est.Coverage)
			}
			// The repair, when needed, is the one call MaxCalls adds.
			e2 := newEnv(t, Options{MaxInputTokens: tt.budget, MaxChunks: tt.maxChunks})
			e2.llm.SetResponder(longReplies(t, 1))
			if _, err := e2.s.Summarize(t.Context(), tt.a); err != nil {
				t.Fatal(err)
			}
			if n := e2.llm.Calls(); n != est.MaxCalls {
				t.Errorf("%d calls with a repair, estimate %+v", n, est)
			}
		})
	}
}

// TestNoRoomForNotes: when a header eats the budget of the combine request,
// Summarize fails before any call, and the estimate says no call.
func TestNoRoomForNotes(t *testing.T) {
	e := newEnv(t, Options{MaxInputTokens: MinInputTokens})
	a := longArticle(100)
	a.Title = strings.Repeat("漏", 300)
	a.Site = strings.Repeat("洞", 300)
	if est := e.s.Estimate(a); est.Calls != 0 || est.MaxCalls != 0 {
		t.Errorf("estimate = %+v, want no call", est)
	}
	if _, err := e.s.Summarize(t.Context(), a); err == nil || !strings.Contains(err.Error(), "no room to combine notes") {
		t.Errorf("err = %v", err)
	}
	if e.llm.Calls() != 0 {
		t.Errorf("%d LLM calls", e.llm.Calls())
	}
}

// TestMaxChunksFor: the chunks MaxChunksFor allows a budget (what config
// accepts as llm.max_chunks) all get notes of at least MinNoteTokens for an
// article with an ordinary long header.
func TestMaxChunksFor(t *testing.T) {
	a := longArticle(1)
	a.Title = "Critical flaw in Acme VPN appliances exploited in the wild, CISA warns agencies to patch now"
	a.Site = "BleepingComputer"
	a.URL = "https://www.bleepingcomputer.com/news/security/acme-vpn-appliances-hit-by-critical-flaw-exploited-in-attacks/"
	a.Published = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	last := 0
	for _, tt := range []struct{ budget, atLeast int }{
		{MinInputTokens, 1}, {2000, 8}, {DefaultMaxInputTokens, DefaultMaxChunks}, {32000, 64},
	} {
		n := MaxChunksFor(tt.budget)
		if n < tt.atLeast || n < last {
			t.Errorf("MaxChunksFor(%d) = %d, want at least %d and %d", tt.budget, n, tt.atLeast, last)
		}
		last = n
		s := New(NewClient("http://127.0.0.1:1/v1", "", nil), nil,
			Options{MaxInputTokens: tt.budget, MaxChunks: n, MaxOutputTokens: 100000}, nil)
		chunks, noteTokens, err := s.noteBudget(a)
		if err != nil || chunks != n || noteTokens < MinNoteTokens {
			t.Errorf("budget %d, max_chunks %d: %d chunks, notes of %d tokens, err %v", tt.budget, n, chunks, noteTokens, err)
		}
	}
}

func TestClipTokens(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  string
	}{
		{"fits", "- Acme patched CVE-2025-0001.", 20, "- Acme patched CVE-2025-0001."},
		{"cut after a word", "alpha beta gamma delta epsilon", 4, "alpha beta…"},
		{"one long word cut by runes", strings.Repeat("a", 40), 3, "aaaaaaaa…"},
		{"cjk", "漏洞利用漏洞利用", 5, "漏洞利用…"},
		{"no room", "alpha beta", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clipTokens(tt.text, tt.limit)
			if got != tt.want {
				t.Errorf("clipTokens(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			}
			if n := EstimateTokens(got); n > tt.limit {
				t.Errorf("%d tokens, limit %d", n, tt.limit)
			}
		})
	}
}

func FuzzClipTokens(f *testing.F) {
	f.Add("- Acme patched CVE-2025-0001 in 9.1.4; exploited since January.", 5)
	f.Add(strings.Repeat("漏洞 ", 40), 7)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if !utf8.ValidString(text) || limit < 0 || limit > 1000 {
			t.Skip()
		}
		got := clipTokens(text, limit)
		if n := EstimateTokens(got); n > limit {
			t.Fatalf("%d tokens, limit %d", n, limit)
		}
		if EstimateTokens(text) <= limit {
			if got != text {
				t.Fatalf("a text within the limit was changed")
			}
			return
		}
		if got != "" && !strings.HasPrefix(text, strings.TrimSuffix(got, "…")) && !strings.HasPrefix(strings.TrimSpace(text), strings.TrimSuffix(got, "…")) {
			t.Fatalf("%q is not a prefix of the text", got)
		}
	})
}

// BenchmarkFiveMiBPageCalls summarizes a 5 MiB page (a new one each time:
// no cache hit) with the default budget, the model ignoring the length
// asked of its notes and the summary needing its repair: the worst case.
// llm_calls/op is the figure, max_chunks + 2.
func BenchmarkFiveMiBPageCalls(b *testing.B) {
	e := newEnv(b, Options{})
	page := hugePage(5 << 20)
	calls, n := 0, 0
	for b.Loop() {
		a := page
		a.Text = fmt.Sprintf("Edition %d.\n\n%s", n, page.Text)
		e.llm.SetResponder(longReplies(b, 1))
		before := e.llm.Calls()
		sum, err := e.s.Summarize(b.Context(), a)
		if err != nil || sum.Coverage == 0 {
			b.Fatalf("summary %+v, err %v", sum.Coverage, err)
		}
		calls += e.llm.Calls() - before
		n++
	}
	b.ReportMetric(float64(calls)/float64(n), "llm_calls/op")
}
