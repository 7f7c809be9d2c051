package watch

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/news"
)

// watches makes one watch per term in guild g1, ids from 1.
func watches(terms ...string) []news.Watch {
	ws := make([]news.Watch, len(terms))
	for i, t := range terms {
		ws[i] = news.Watch{ID: int64(i + 1), GuildID: "g1", ChannelID: "c1", Term: t}
	}
	return ws
}

// hitText is what a hit says matched: the field's text at the span.
func hitText(d Doc, h Hit) string {
	var s string
	switch h.Field {
	case FieldTitle:
		s = d.Title
	case FieldText:
		s = d.Text
	case FieldAffected:
		s = d.Affected[h.Index]
	case FieldKEV:
		s = d.KEVProducts[h.Index]
	case FieldCVE:
		s = d.CVEs[h.Index]
	}
	return s[h.Start:h.End]
}

func TestMatch(t *testing.T) {
	cases := []struct {
		name  string
		terms []string
		doc   Doc
		// want is each matching term and where: "field[index]:matched text".
		want map[string]string
	}{
		{"case-insensitive", []string{"Fortinet"}, Doc{Title: "FORTINET patches FortiOS"},
			map[string]string{"Fortinet": "title[0]:FORTINET"}},
		{"not inside a word", []string{"SAP"}, Doc{Title: "SAPPHIRE ransomware hits ASAP"}, nil},
		{"word boundary at punctuation", []string{"SAP"}, Doc{Title: "(SAP) NetWeaver; SAP's fix"},
			map[string]string{"SAP": "title[0]:SAP"}},
		{"digits are word runes", []string{"log4j"}, Doc{Text: "log4j2 and log4jx, not log4j"},
			map[string]string{"log4j": "text[0]:log4j"}},
		{"multiword across white space runs", []string{"Ivanti Connect Secure"}, Doc{Text: "flaw in Ivanti\n  Connect\tSecure 22.7"},
			map[string]string{"Ivanti Connect Secure": "text[0]:Ivanti\n  Connect\tSecure"}},
		{"multiword needs every word", []string{"Ivanti Connect Secure"}, Doc{Text: "Ivanti Connect and Secure"}, nil},
		{"no-break space is white space", []string{"Palo Alto"}, Doc{Text: "Palo\u00a0Alto Networks"},
			map[string]string{"Palo Alto": "text[0]:Palo\u00a0Alto"}},
		{"CVE id in any case", []string{"CVE-2025-53770"}, Doc{Text: "see cve-2025-53770."},
			map[string]string{"CVE-2025-53770": "text[0]:cve-2025-53770"}},
		{"CVE id is not a prefix of a longer id", []string{"CVE-2025-5377"}, Doc{Text: "CVE-2025-53770 and CVE-2025-537"}, nil},
		{"CVE id with a non-breaking hyphen", []string{"CVE-2025-53770"}, Doc{Text: "CVE\u20112025\u201153770"},
			map[string]string{"CVE-2025-53770": "text[0]:CVE\u20112025\u201153770"}},
		{"CVE id in the story's list", []string{"CVE-2025-53770"}, Doc{Title: "SharePoint", CVEs: []string{"CVE-2025-49704", "CVE-2025-53770"}},
			map[string]string{"CVE-2025-53770": "cve[1]:CVE-2025-53770"}},
		{"affected list", []string{"NetScaler ADC"}, Doc{Title: "Citrix bug", Affected: []string{"Citrix", "NetScaler ADC 14.1"}},
			map[string]string{"NetScaler ADC": "affected[1]:NetScaler ADC"}},
		{"terms do not span list entries", []string{"Citrix NetScaler"}, Doc{Affected: []string{"Citrix", "NetScaler"}}, nil},
		{"KEV vendor and product", []string{"Microsoft"}, Doc{Title: "Exploited flaw", KEVProducts: []string{"Microsoft SharePoint"}},
			map[string]string{"Microsoft": "kev[0]:Microsoft"}},
		{"title before text", []string{"Cisco"}, Doc{Title: "x Cisco", Text: "Cisco Cisco"},
			map[string]string{"Cisco": "title[0]:Cisco"}},
		{"first bounded occurrence", []string{"Cisco"}, Doc{Text: "Ciscos and CiscoX, then cisco"},
			map[string]string{"Cisco": "text[0]:cisco"}},
		{"overlapping terms all match", []string{"Ivanti", "Ivanti Connect Secure", "Connect", "Secure"},
			Doc{Text: "Ivanti Connect Secure"},
			map[string]string{"Ivanti": "text[0]:Ivanti", "Ivanti Connect Secure": "text[0]:Ivanti Connect Secure",
				"Connect": "text[0]:Connect", "Secure": "text[0]:Secure"}},
		{"a term inside a longer one's unbounded occurrence", []string{"ab", "abc"}, Doc{Text: "abcd ab"},
			map[string]string{"ab": "text[0]:ab"}},
		{"unicode letters are word runes", []string{"Café"}, Doc{Text: "CAFÉS and café."},
			map[string]string{"Café": "text[0]:café"}},
		{"unicode case folding", []string{"straße"}, Doc{Text: "STRAßE"},
			map[string]string{"straße": "text[0]:STRAßE"}},
		{"letters with several lower forms", []string{"kelvin"}, Doc{Text: "\u212Aelvin"},
			map[string]string{"kelvin": "text[0]:\u212Aelvin"}},
		{"combining mark continues a word", []string{"Cafe"}, Doc{Text: "Cafe\u0301"}, nil},
		{"non-word edges match anywhere", []string{"C++", ".NET"}, Doc{Text: "C++20 on ASP.NET"},
			map[string]string{"C++": "text[0]:C++", ".NET": "text[0]:.NET"}},
		{"a term's own spacing does not matter", []string{"  palo   alto "}, Doc{Text: "Palo Alto"},
			map[string]string{"  palo   alto ": "text[0]:Palo Alto"}},
		{"no match", []string{"Juniper"}, Doc{Title: "Cisco", Text: "nothing here"}, nil},
		{"empty doc", []string{"Juniper"}, Doc{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := NewIndex(watches(c.terms...))
			got := map[string]string{}
			for _, h := range x.Match("g1", c.doc) {
				got[h.Watch.Term] = fmt.Sprintf("%s[%d]:%s", h.Field, h.Index, hitText(c.doc, h))
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Match = %q, want %q", got, c.want)
			}
		})
	}
}

// TestMatchGuildIsolation: a guild's terms never match for another guild,
// also when both watch the same term; MatchAll groups by guild.
func TestMatchGuildIsolation(t *testing.T) {
	ws := []news.Watch{
		{ID: 1, GuildID: "g1", ChannelID: "c1", Term: "Fortinet"},
		{ID: 2, GuildID: "g2", ChannelID: "c2", Term: "Cisco"},
		{ID: 3, GuildID: "g2", ChannelID: "c3", Term: "fortinet"},
		{ID: 4, GuildID: "g1", ChannelID: "c4", Term: "FORTINET"},
		{ID: 5, GuildID: "g3", ChannelID: "c5", Term: "Juniper"},
	}
	x := NewIndex(ws)
	if x.Len() != 5 || x.Terms() != 3 {
		t.Errorf("Len, Terms = %d, %d; want 5, 3", x.Len(), x.Terms())
	}
	d := Doc{Title: "Cisco and Fortinet"}
	ids := func(hs []Hit) []int64 {
		var out []int64
		for _, h := range hs {
			out = append(out, h.Watch.ID)
		}
		return out
	}
	for _, c := range []struct {
		guild string
		want  []int64
	}{{"g1", []int64{1, 4}}, {"g2", []int64{2, 3}}, {"g3", nil}, {"g-none", nil}} {
		if got := ids(x.Match(c.guild, d)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Match(%s) = %v, want %v", c.guild, got, c.want)
		}
	}
	all := x.MatchAll(d)
	if len(all) != 2 || !reflect.DeepEqual(ids(all["g1"]), []int64{1, 4}) || !reflect.DeepEqual(ids(all["g2"]), []int64{2, 3}) {
		t.Errorf("MatchAll = %+v", all)
	}
	if got := x.MatchAll(Doc{Title: "nothing"}); got != nil {
		t.Errorf("MatchAll without a match = %+v, want nil", got)
	}
}

func TestEmptyIndex(t *testing.T) {
	for _, x := range []*Index{NewIndex(nil), NewIndex(watches("  ", ""))} {
		if x.Len() != 0 || x.Match("g1", Doc{Title: "anything"}) != nil || x.MatchAll(Doc{Title: "x"}) != nil {
			t.Errorf("empty index matched or counted: %+v", x)
		}
	}
}

// TestMatchConcurrent: an index is read-only once built; many goroutines
// match with it at once (run with -race).
func TestMatchConcurrent(t *testing.T) {
	x := NewIndex(watches("Fortinet", "FortiOS", "CVE-2024-21762"))
	d := Doc{Title: "Fortinet FortiOS flaw CVE-2024-21762 exploited"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if hs := x.Match("g1", d); len(hs) != 3 {
					t.Errorf("%d hits, want 3", len(hs))
					return
				}
			}
		})
	}
	wg.Wait()
}
