package render

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/news"
)

// watched is a story that matched term in its title.
func watched(title, term, role string) news.WatchedStory {
	i := strings.Index(strings.ToLower(title), strings.ToLower(term))
	return news.WatchedStory{
		Story: news.Story{Lead: news.Item{
			ID: "1", FeedURL: "https://outlet.example/feed", FeedTitle: "Outlet",
			Title: title, Link: "https://outlet.example/story", Content: "Attackers exploit it. More at the link.",
			Published: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		}},
		Matches: []news.WatchMatch{{WatchID: 1, Term: term, RoleID: role, Field: "title", Text: title, Start: i, End: i + len(term)}},
	}
}

func TestWatchAlertMessagePingsOnlyItsRole(t *testing.T) {
	ws := watched("Critical flaw in Ivanti Connect Secure exploited", "Ivanti", "111")
	ws.Matches = append(ws.Matches, news.WatchMatch{WatchID: 2, Term: "Connect Secure", RoleID: "222", Field: "title",
		Text: ws.Story.Lead.Title, Start: 24, End: 38},
		news.WatchMatch{WatchID: 3, Term: "exploited", RoleID: "111", Field: "title", Text: ws.Story.Lead.Title, Start: 39, End: 48})
	msg := WatchAlertMessage(ws)
	if err := CheckLimits(msg); err != nil {
		t.Fatal(err)
	}
	am := msg.AllowedMentions
	if am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Users) != 0 || !slices.Equal(am.Roles, []string{"111", "222"}) {
		t.Fatalf("allowed_mentions = %+v, want parse [] and roles [111 222]", am)
	}
	if strings.Count(msg.Content, "<@&111>") != 1 || strings.Count(msg.Content, "<@&222>") != 1 {
		t.Errorf("content %q does not mention each role once", msg.Content)
	}
	for _, want := range []string{"**Ivanti**", "**Connect Secure**", "**exploited**"} {
		if !strings.Contains(msg.Content, want) {
			t.Errorf("content %q lacks %s", msg.Content, want)
		}
	}
	d := msg.Embeds[0].Description
	if !strings.Contains(d, "in the title: “Critical flaw in **Ivanti** Connect Secure exploited”") {
		t.Errorf("description does not show why it matched: %q", d)
	}
	if msg.Embeds[0].URL != "https://outlet.example/story" || !strings.Contains(msg.Embeds[0].Footer.Text, "Outlet") {
		t.Errorf("embed lacks the source: url %q footer %+v", msg.Embeds[0].URL, msg.Embeds[0].Footer)
	}
}

func TestWatchAlertMessageWithoutRolePingsNoOne(t *testing.T) {
	ws := watched("@everyone <@&999> <@123> Ivanti patch", "Ivanti", "")
	ws.Story.Lead.Content = "@here see <@&999>"
	msg := WatchAlertMessage(ws)
	am := msg.AllowedMentions
	if am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Roles) != 0 || len(am.Users) != 0 {
		t.Fatalf("allowed_mentions = %+v, want parse [] alone", am)
	}
	if strings.Contains(msg.Content, "<@") || strings.Contains(msg.Content, "@everyone") {
		t.Errorf("content %q mentions someone", msg.Content)
	}
	for _, text := range []string{msg.Embeds[0].Title, msg.Embeds[0].Description} {
		if strings.Contains(text, "<@&999>") || strings.Contains(text, "@everyone") || strings.Contains(text, "@here") {
			t.Errorf("article text keeps a live mention: %q", text)
		}
	}
}

func TestWatchRolesRefusesWhatIsNotAnID(t *testing.T) {
	ws := watched("Ivanti", "Ivanti", "everyone")
	ws.Matches = append(ws.Matches, news.WatchMatch{Term: "x", RoleID: "12>@everyone"}, news.WatchMatch{Term: "y", RoleID: "42"})
	if got := WatchRoles(ws); !slices.Equal(got, []string{"42"}) {
		t.Errorf("WatchRoles = %v, want [42]", got)
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("word ", 40)
	cases := []struct {
		name        string
		text        string
		start, end  int
		want        string
		wantPrefix  string
		wantSuffix  string
		wantContain string
	}{
		{name: "whole", text: "flaw in Ivanti VPN", start: 8, end: 14, want: "flaw in **Ivanti** VPN"},
		{name: "markdown around is escaped", text: "a *b* [c] (d) Ivanti_x", start: 14, end: 20,
			want: `a \*b\* \[c\] \(d\) **Ivanti**\_x`},
		{name: "a masked link shows its text only", text: "see [c](https://evil.example) Ivanti", start: 30, end: 36,
			want: `see c **Ivanti**`},
		{name: "markdown in the term is escaped", text: "the **bold** one", start: 4, end: 12, want: `the **\*\*bold\*\*** one`},
		{name: "long context is cut", text: long + "Ivanti " + long, start: len(long), end: len(long) + 6,
			wantPrefix: "… ", wantSuffix: "…", wantContain: " **Ivanti** word"},
		{name: "offsets out of range", text: "short", start: 3, end: 9, want: ""},
		{name: "offsets inside a rune", text: "é Ivanti", start: 1, end: 3, want: ""},
		{name: "mention in context", text: "@everyone Ivanti", start: 10, end: 16, wantContain: "**Ivanti**"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := snippet(c.text, c.start, c.end)
			if c.want != "" || (c.wantPrefix == "" && c.wantContain == "") {
				if got != c.want {
					t.Errorf("snippet = %q, want %q", got, c.want)
				}
			}
			if !strings.HasPrefix(got, c.wantPrefix) || !strings.HasSuffix(got, c.wantSuffix) || !strings.Contains(got, c.wantContain) {
				t.Errorf("snippet = %q, want prefix %q, suffix %q, containing %q", got, c.wantPrefix, c.wantSuffix, c.wantContain)
			}
			if strings.Contains(got, "@everyone") {
				t.Errorf("snippet %q keeps a live @everyone", got)
			}
			if n := runeLen(got); n > 2*snippetRunes+runeLen(c.text[max(0, min(c.start, len(c.text))):max(0, min(c.end, len(c.text)))])+12 {
				t.Errorf("snippet of %d runes is too long", n)
			}
		})
	}
}

func TestWatchBatchMessage(t *testing.T) {
	var stories []news.WatchedStory
	for i := range 300 {
		ws := watched(fmt.Sprintf("Story %d about Ivanti %s", i, strings.Repeat("x", 200)), "Ivanti", fmt.Sprint(100+i%3))
		stories = append(stories, ws)
	}
	msg := WatchBatchMessage(stories)
	if err := CheckLimits(msg); err != nil {
		t.Fatal(err)
	}
	am := msg.AllowedMentions
	if am == nil || am.Parse == nil || len(am.Parse) != 0 || !slices.Equal(am.Roles, []string{"100", "101", "102"}) {
		t.Fatalf("allowed_mentions = %+v, want parse [] and each role once", am)
	}
	for _, r := range am.Roles {
		if n := strings.Count(msg.Content, "<@&"+r+">"); n != 1 {
			t.Errorf("role %s mentioned %d times, want once", r, n)
		}
	}
	if !strings.Contains(msg.Embeds[0].Description, "more") || !strings.Contains(msg.Embeds[0].Title, "300") {
		t.Errorf("batch does not say how many: %q / %q", msg.Embeds[0].Title, Truncate(msg.Embeds[0].Description, 200))
	}

	one := WatchBatchMessage(stories[:1])
	if d := one.Embeds[0].Description; !strings.Contains(d, "• Story 0 about Ivanti") || !strings.Contains(d, "— Outlet: https://outlet.example/story · **Ivanti**") {
		t.Errorf("batch line does not show the headline, outlet, link and term: %q", d)
	}
	if err := CheckTextSafe(one.Embeds[0].Description); err != nil {
		t.Errorf("batch line unsafe (a masked link?): %v", err)
	}
}

func TestWatchAlertMessageLimits(t *testing.T) {
	huge := strings.Repeat("Ivanti ", 3000)
	ws := watched(huge, "Ivanti", "7")
	ws.Story.Lead.Content = huge
	ws.Story.Summary = &news.Summary{TLDR: huge, Severity: news.SeverityCritical, CVEs: []string{"CVE-2026-1234"}}
	for i := range 200 {
		ws.Matches = append(ws.Matches, news.WatchMatch{Term: fmt.Sprintf("term %d %s", i, strings.Repeat("y", 90)),
			RoleID: fmt.Sprint(1000 + i), Field: "text", Text: huge, Start: 7 * i, End: 7*i + 6})
	}
	msg := WatchAlertMessage(ws)
	if err := CheckLimits(msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.AllowedMentions.Roles) > maxWatchRoles {
		t.Errorf("%d roles, want at most %d", len(msg.AllowedMentions.Roles), maxWatchRoles)
	}
	for _, r := range msg.AllowedMentions.Roles {
		if !strings.Contains(msg.Content, "<@&"+r+">") {
			t.Errorf("role %s allowed but not in the content (cut?)", r)
		}
	}
	var _ *discordgo.MessageSend = msg
}

// FuzzWatchAlert checks the alert and batch messages on arbitrary feed
// text and terms: within Discord's limits, and safe (no live mention, no
// masked link) once the role mentions the watches asked for are taken out;
// allowed_mentions is parse [] with those roles alone.
func FuzzWatchAlert(f *testing.F) {
	f.Add("Critical flaw in Ivanti exploited", "Ivanti", "text @everyone <@1> [x](https://evil.example)", "123", 17, 23)
	f.Add("@here **bold** [a](b) Ivanti_", "**", "", "everyone", 6, 8)
	f.Add("", "", "", "", 0, 0)
	f.Add("\xff\u202e<@&5>", "<@&5>", "\u200b", "5", 3, 8)
	f.Fuzz(func(t *testing.T, title, term, content, role string, start, end int) {
		ws := news.WatchedStory{
			Story: news.Story{Lead: news.Item{ID: "1", FeedTitle: content, Title: title, Link: "https://outlet.example/" + term,
				Content: strings.Repeat(content, 1+3000/(len(content)+1))}},
			Matches: []news.WatchMatch{
				{Term: term, RoleID: role, Field: "title", Text: title, Start: start, End: end},
				{Term: content, RoleID: "42", Field: "text", Text: content, Start: end, End: start + end},
			},
		}
		for _, msg := range []*discordgo.MessageSend{WatchAlertMessage(ws), WatchBatchMessage([]news.WatchedStory{ws, ws})} {
			if err := CheckLimits(msg); err != nil {
				t.Fatal(err)
			}
			want := WatchRoles(ws)
			am := msg.AllowedMentions
			if am == nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Users) != 0 || !slices.Equal(am.Roles, want) {
				t.Fatalf("allowed_mentions %+v, want parse [] roles %v", am, want)
			}
			plain := *msg
			for _, r := range want {
				if strings.Count(plain.Content, "<@&"+r+">") != 1 {
					t.Fatalf("role %s not mentioned once in %q", r, plain.Content)
				}
				plain.Content = strings.Replace(plain.Content, "<@&"+r+">", "", 1)
			}
			plain.AllowedMentions = NoMentions()
			if err := CheckSafe(&plain); err != nil {
				t.Fatal(err)
			}
		}
	})
}
