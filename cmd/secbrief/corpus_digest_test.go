package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/secbrief/secbrief/internal/fakellm"
)

// corpusFeedsDir holds the real feed snapshots (see its SOURCES.md).
const corpusFeedsDir = "../../../shared/corpus/feeds"

// corpusHosts are the sites the corpus feeds link to. Tests serve every
// link of theirs from the loopback test site instead (where articles are
// 404s, so teasers are kept), so nothing reaches the outlets.
var corpusHosts = []string{"www.bleepingcomputer.com", "www.securityweek.com", "databreaches.net",
	"www.microsoft.com", "techcommunity.microsoft.com", "www.cisa.gov", "www.crowdstrike.com",
	"www.schneier.com", "jvndb.jvn.jp", "krebsonsecurity.com", "thehackernews.com", "www.darkreading.com"}

// serveCorpus serves every corpus feed file from h's site, its links
// pointed at the site, and returns the feeds' addresses; it skips the test
// when the corpus is absent.
func serveCorpus(t *testing.T, h *harness) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusFeedsDir, "*.xml"))
	if err != nil || len(paths) == 0 {
		t.Skipf("corpus not present: %s", corpusFeedsDir)
	}
	var pairs []string
	for _, host := range corpusHosts {
		pairs = append(pairs, "https://"+host, h.site.URL+"/"+host)
	}
	local := strings.NewReplacer(pairs...)
	var urls []string
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		path := "/corpus/" + filepath.Base(p)
		h.site.serve(path, "application/rss+xml", local.Replace(string(body)))
		urls = append(urls, h.site.URL+path)
	}
	return urls
}

// corpusDryRun runs `secbrief digest -dry-run -since 20000h` over all the
// corpus feeds, served by h, with extra YAML under digest:, and returns
// its output split into stories (the header first).
func corpusDryRun(t *testing.T, h *harness, digestYAML string) []string {
	t.Helper()
	feeds := serveCorpus(t, h)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	body := fmt.Sprintf("llm:\n  base_url: %s\n  api_key: k-123456\nstorage:\n  path: %s\nfetch:\n  allow_networks: [127.0.0.0/8]\n  allow_ports: %v\nfeeds:\n  defaults: [%s]\ndigest:\n  lookback: 24h\n%slog:\n  level: error\n",
		h.llm.URL(), filepath.Join(t.TempDir(), "db"), h.cfg.Fetch.AllowPorts, strings.Join(feeds, ", "), digestYAML)
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "digest", "-config", cfgPath, "-since", "20000h", "-dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	return regexp.MustCompile(`(?m)^## \d+\. `).Split(out, -1)
}

// storyLinking returns the story of stories that shows link, or "".
func storyLinking(stories []string, link string) string {
	for _, s := range stories[1:] {
		if strings.Contains(s, link) {
			return s
		}
	}
	return ""
}

const (
	toptalLink   = "/hackers-breach-toptal-github-account-publish-malicious-npm-packages/"
	npmPhishLink = "/high-value-npm-developers-compromised-in-new-phishing-campaign/"
)

// TestDigestDryRunOfCorpusToolShellOnce: `secbrief digest -dry-run -since
// 20000h` over all the corpus feeds shows the SharePoint "ToolShell" story
// once, with the links of its five outlets (only Microsoft's item names
// the CVEs), and the other multi-outlet stories once each.
func TestDigestDryRunOfCorpusToolShellOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	stories := corpusDryRun(t, h, "")
	out := strings.Join(stories, "")
	tests := []struct {
		name  string
		links []string // a path of each outlet's article
	}{
		{"ToolShell, five outlets", []string{"/disrupting-active-exploitation-of-on-premises-sharepoint-vulnerabilities/",
			"/microsoft-sharepoint-servers-also-targeted-in-ransomware-attacks/",
			"/toolshell-attacks-hit-400-sharepoint-servers-us-government-victims-named/",
			"/crowdstrike-detects-blocks-sharepoint-zero-day-exploitation/",
			"/u-s-nuclear-and-health-agencies-hit-in-microsoft-sharepoint-breach/"}},
		{"Clorox v. Cognizant, three outlets", []string{"/hackers-fooled-cognizant-help-desk-says-clorox-in-380m-cyberattack-lawsuit/",
			"/clorox-sues-cognizant-for-380-million-over-2023-hack/",
			"/clorox-files-380m-suit-alleging-cognizant-gave-hackers-passwords-in-catastrophic-2023-cyberattack/"}},
		{"NetNut takedown, two outlets", []string{"/fbi-seizes-netnut-proxy-platform-popa-botnet/",
			"/netnut-proxy-network-disrupted-2-million-infected-devices-cut-off/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, l := range tc.links {
				if n := strings.Count(out, l); n != 1 {
					t.Errorf("%s shown %d times, want once", l, n)
				}
			}
			s := storyLinking(stories, tc.links[0])
			if s == "" {
				t.Fatalf("no story shows %s in full:\n%s", tc.links[0], out)
			}
			for _, l := range tc.links[1:] {
				if !strings.Contains(s, l) {
					t.Errorf("the story of %s does not link %s:\n%s", tc.links[0], l, s)
				}
			}
		})
	}
	if s := storyLinking(stories, npmPhishLink); s == "" || strings.Contains(s, toptalLink) {
		t.Errorf("the npm phishing story is missing or holds Toptal's breach (no digest.llm_merge):\n%s", s)
	}
	for _, r := range h.llm.Requests() {
		if strings.Contains(r.System(), "same event") {
			t.Fatal("a merge-judge request without digest.llm_merge")
		}
	}
}

// TestDigestDryRunOfCorpusLLMMerge: with digest.llm_merge the digest asks
// the LLM once about the pairs clustering is unsure of (here the fake
// judge says every pair is one story, so Toptal's breach joins the npm
// story: the verdict is what decides).
func TestDigestDryRunOfCorpusLLMMerge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var mu sync.Mutex
	judged := 0
	h.llm.SetResponder(func(r fakellm.Request) fakellm.Response {
		if !strings.Contains(r.System(), "same event") {
			return fakellm.DefaultResponder(r)
		}
		mu.Lock()
		judged++
		mu.Unlock()
		n := len(regexp.MustCompile(`(?m)^P\d+ A: `).FindAllString(r.Text(), -1))
		return fakellm.Reply(`{"same": [` + strings.TrimSuffix(strings.Repeat("true,", n), ",") + `]}`)
	})
	stories := corpusDryRun(t, h, "  llm_merge: true\n")
	if s := storyLinking(stories, npmPhishLink); !strings.Contains(s, toptalLink) {
		t.Errorf("the judge's verdict was not applied: the npm story does not hold Toptal's breach:\n%s", s)
	}
	if judged != 1 {
		t.Fatalf("%d judge requests, want 1 per digest", judged)
	}
}
