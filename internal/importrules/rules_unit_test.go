package importrules

import (
	"slices"
	"testing"
)

// TestViolations checks the rule checker itself on made-up packages, so
// TestImportRules cannot pass by checking nothing.
func TestViolations(t *testing.T) {
	pkg := func(rel string, imports ...string) listed {
		return listed{ImportPath: module + "/" + rel, Imports: imports}
	}
	tests := []struct {
		name string
		pkg  listed
		want []string
	}{
		{"discordgo in bot", pkg("bot", "github.com/bwmarrin/discordgo"), nil},
		{"discordgo in render", pkg("render", "github.com/bwmarrin/discordgo"), nil},
		{"discordgo in digest", pkg("digest", "github.com/bwmarrin/discordgo"),
			[]string{"digest imports github.com/bwmarrin/discordgo: only bot, commands, render may"}},
		{"discordgo in main", pkg("cmd/secbrief", "github.com/bwmarrin/discordgo"),
			[]string{"cmd/secbrief imports github.com/bwmarrin/discordgo: only bot, commands, render may"}},
		{"a fake may import what it fakes", pkg("internal/fakediscord", "github.com/bwmarrin/discordgo"), nil},
		{"go-openai in summarizer", pkg("summarizer", "github.com/sashabaranov/go-openai"), nil},
		{"go-openai in commands", pkg("commands", "github.com/sashabaranov/go-openai"),
			[]string{"commands imports github.com/sashabaranov/go-openai: only summarizer may"}},
		{"sqlite in storage", pkg("storage", "modernc.org/sqlite"), nil},
		{"a pgx subpackage in a storage subpackage", pkg("storage/postgres", "github.com/jackc/pgx/v5/stdlib"), nil},
		{"pgx in pgtest, the per-test database support", pkg("internal/pgtest", "github.com/jackc/pgx/v5"), nil},
		{"sqlite in pgtest", pkg("internal/pgtest", "modernc.org/sqlite"), nil},
		{"pgx in another internal package", pkg("internal/tcpproxy", "github.com/jackc/pgx/v5"),
			[]string{"internal/tcpproxy imports github.com/jackc/pgx/v5: only storage, internal/pgtest may"}},
		{"a name that only starts like pgtest", pkg("internal/pgtestx", "github.com/jackc/pgx/v5"),
			[]string{"internal/pgtestx imports github.com/jackc/pgx/v5: only storage, internal/pgtest may"}},
		{"pgx in digest", pkg("digest", "github.com/jackc/pgx/v5/pgxpool"),
			[]string{"digest imports github.com/jackc/pgx/v5/pgxpool: only storage, internal/pgtest may"}},
		{"sqlite in bot", pkg("bot", "modernc.org/sqlite"),
			[]string{"bot imports modernc.org/sqlite: only storage, internal/pgtest may"}},
		{"gofeed in feeds", pkg("feeds", "github.com/mmcdole/gofeed"), nil},
		{"gofeed in digest", pkg("digest", "github.com/mmcdole/gofeed/rss"),
			[]string{"digest imports github.com/mmcdole/gofeed/rss: only feeds may"}},
		{"a name that only starts like gofeed", pkg("digest", "github.com/mmcdole/gofeedx"), nil},
		{"news on the standard library", pkg("news", "time", "errors"), nil},
		{"news on a package of ours", pkg("news", module+"/internal/defaults"),
			[]string{"news imports github.com/secbrief/secbrief/internal/defaults: news imports nothing of secbrief's own"}},
		{"another module's package", listed{ImportPath: "example.com/x", Imports: []string{"github.com/bwmarrin/discordgo"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := violations([]listed{tc.pkg}); !slices.Equal(got, tc.want) {
				t.Errorf("violations = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestChain checks the dependency walk that names how bot reaches a
// banned module.
func TestChain(t *testing.T) {
	deps := []listed{
		{ImportPath: "bot", Imports: []string{"news", "digest", "render"}},
		{ImportPath: "news", Imports: []string{"time"}},
		{ImportPath: "render", Imports: []string{"news"}},
		{ImportPath: "digest", Imports: []string{"news", "storage", "feeds"}},
		{ImportPath: "storage", Imports: []string{"modernc.org/sqlite"}},
		{ImportPath: "feeds", Imports: []string{"github.com/mmcdole/gofeed"}},
		{ImportPath: "modernc.org/sqlite", Imports: []string{"modernc.org/sqlite/lib"}},
	}
	tests := []struct {
		name, root string
		banned     []string
		want       string
	}{
		{"through two packages", "bot", []string{"modernc.org/sqlite"}, "bot → digest → storage → modernc.org/sqlite"},
		{"the first banned one reached", "bot", notUnderBot, "bot → digest → storage → modernc.org/sqlite"},
		{"a subpackage counts", "storage", []string{"modernc.org/sqlite/lib"}, "storage → modernc.org/sqlite → modernc.org/sqlite/lib"},
		{"clean", "render", notUnderBot, ""},
		{"the root itself", "feeds", []string{"feeds"}, "feeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := chain(tc.root, deps, tc.banned); got != tc.want {
				t.Errorf("chain = %q, want %q", got, tc.want)
			}
		})
	}
}
