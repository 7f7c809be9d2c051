package summarizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseSummary(t *testing.T) {
	const text = "Fix for CVE-2024-3400 and cve‑2023‑44487 (HTTP/2 rapid reset)."
	tests := []struct {
		name     string
		reply    string
		wantErr  string
		replaced int
		check    func(t *testing.T, title, tldr string, kp, cves, affected []string)
	}{
		{name: "valid", reply: `{"title":" PAN-OS  flaw ","tldr":"t","key_points":["a"," a ","A","b",""],"severity":"HIGH",` +
			`"cves":["CVE-2024-3400","CVE-2023-44487","CVE-2024-0001 (made up)","CVE-2024-3400 again"],"affected":null,"actions":"patch"}`,
			check: func(t *testing.T, title, tldr string, kp, cves, affected []string) {
				if title != "PAN-OS flaw" || !slices.Equal(kp, []string{"a", "b"}) {
					t.Errorf("title %q key points %q", title, kp)
				}
				if !slices.Equal(cves, []string{"CVE-2024-3400", "CVE-2023-44487"}) {
					t.Errorf("cves = %q", cves)
				}
				if affected == nil || len(affected) != 0 {
					t.Errorf("affected = %#v, want empty non-nil", affected)
				}
			}},
		{name: "extra keys ignored", reply: `{"title":"x","tldr":"t","key_points":[],"severity":"info","summary":"?"}`},
		{name: "missing keys", reply: `{"title":"x"}`, wantErr: "missing keys: tldr, key_points, severity"},
		{name: "unknown severity", reply: `{"title":"x","tldr":"t","key_points":[],"severity":"urgent"}`, wantErr: "unknown severity"},
		{name: "wrong type", reply: `{"title":1,"tldr":"t","key_points":[],"severity":"low"}`, wantErr: "not a JSON object"},
		{name: "list of numbers", reply: `{"title":"x","tldr":"t","key_points":[1],"severity":"low"}`, wantErr: "not a JSON object"},
		{name: "empty title", reply: `{"title":" ","tldr":"t","key_points":[],"severity":"low"}`, wantErr: "empty title"},
		{name: "two objects", reply: `{"title":"x","tldr":"t","key_points":[],"severity":"low"} {}`, wantErr: "text after"},
		{name: "prose", reply: `Here you go: {"title":"x"}`, wantErr: "not a JSON object"},
		{name: "array", reply: `[]`, wantErr: "not a JSON object"},
		{name: "empty", reply: "  ", wantErr: "empty reply"},
		{name: "invented ids in text replaced", reply: `{"title":"CVE-2099-0001 in PAN-OS","tldr":"CVE-2024-3400 and cve-2099-0002.",` +
			`"key_points":["See GHSA-aaaa-bbbb-cccc","see ghsa-2222-3333-4444","Patch CVE-2099-0003","Patch CVE-2099-0004"],"severity":"high",` +
			`"affected":["PAN-OS (CVE 2023 44487)"],"actions":["Patch CVE-2099-0005 now"]}`,
			replaced: 7,
			check: func(t *testing.T, title, tldr string, kp, _, affected []string) {
				if title != "An unnamed CVE in PAN-OS" || tldr != "CVE-2024-3400 and an unnamed CVE." {
					t.Errorf("title %q tldr %q", title, tldr)
				}
				// Two key points alike once grounded are one.
				if want := []string{"See an unnamed advisory", "Patch an unnamed CVE"}; !slices.Equal(kp, want) {
					t.Errorf("key points = %q, want %q", kp, want)
				}
				if !slices.Equal(affected, []string{"PAN-OS (CVE 2023 44487)"}) {
					t.Errorf("affected = %q, the known id must stay", affected)
				}
			}},
		{name: "long strings clipped", reply: `{"title":"` + strings.Repeat("é", 500) + `","tldr":"t","key_points":[],"severity":"low"}`,
			check: func(t *testing.T, title, _ string, _, _, _ []string) {
				if n := utf8.RuneCountInString(title); n != maxTitleRunes || !strings.HasSuffix(title, "…") {
					t.Errorf("title has %d runes", n)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, replaced, err := decodeSummary(tt.reply, text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if replaced != tt.replaced {
				t.Errorf("%d ids replaced, want %d", replaced, tt.replaced)
			}
			if tt.check != nil {
				tt.check(t, s.Title, s.TLDR, s.KeyPoints, s.CVEs, s.Affected)
			}
		})
	}
}

func FuzzParseSummary(f *testing.F) {
	f.Add(`{"title":"x","tldr":"t","key_points":["a"],"severity":"low","cves":["CVE-2024-1234"]}`, "CVE-2024-1234")
	f.Add(`{"title":"x","tldr":"t","key_points":"a","severity":"Critical","cves":"cve 2024 99999"}`, "see CVE 2024 99999")
	f.Add(`{"title":"CVE-2099-1234","tldr":"GHSA-aaaa-bbbb-cccc","key_points":["CVE CVE-2099-1 2024 1234"],"severity":"low",`+
		`"affected":"ghsa-2222-3333-4444","actions":["CVE_2024_12345678x"]}`, "CVE-2024-1234 GHSA-2222-3333-4444")
	f.Add(`{"title":"x","tldr":"t","key_points":["`+strings.Repeat("a ", 140)+`CVE-2024-12345"],"severity":"low"}`, "CVE-2024-1234, CVE-2024-12345")
	f.Fuzz(func(t *testing.T, reply, text string) {
		s, _, err := decodeSummary(reply, text)
		if err != nil {
			return
		}
		// Every id the model wrote in prose is one the article names.
		known := knownIDs(text)
		for _, field := range append([]string{s.Title, s.TLDR}, slices.Concat(s.KeyPoints, s.Affected, s.Actions)...) {
			checkGrounded(t, field, known)
		}
		if n := utf8.RuneCountInString(s.Title); n > maxTitleRunes {
			t.Fatalf("title of %d runes", n)
		}
		if n := utf8.RuneCountInString(s.TLDR); n > maxTLDRRunes {
			t.Fatalf("tldr of %d runes", n)
		}
		if !s.Severity.Valid() || s.Title == "" || s.TLDR == "" {
			t.Fatalf("invalid summary accepted: %+v", s)
		}
		inText := CVEs(text)
		for _, c := range s.CVEs {
			if !slices.Contains(inText, c) {
				t.Fatalf("CVE %s kept but not in the text", c)
			}
		}
		if len(s.KeyPoints) > maxKeyPoints || len(s.CVEs) > maxCVEs || len(s.Affected) > maxAffected || len(s.Actions) > maxActions {
			t.Fatalf("lists not capped: %+v", s)
		}
		for _, l := range [][]string{s.KeyPoints, s.Affected, s.Actions} {
			for _, it := range l {
				if it == "" || utf8.RuneCountInString(it) > maxItemRunes {
					t.Fatalf("bad item %q", it)
				}
			}
		}
	})
}
