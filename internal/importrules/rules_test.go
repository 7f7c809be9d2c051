package importrules

import (
	"fmt"
	"slices"
	"strings"
)

// module is secbrief's module path.
const module = "github.com/secbrief/secbrief"

// rule says which of secbrief's packages may import a third-party module.
type rule struct {
	// imp is the import path of the module; its subpackages count too.
	imp string
	// allowed are the packages, relative to the module, that may import it
	// directly (their subpackages too).
	allowed []string
}

// drivers are the database drivers: storage is the only package that
// speaks to a database, besides internal/pgtest (driverUsers).
var drivers = []string{
	"modernc.org/sqlite",
	"github.com/jackc/pgx",
	"github.com/mattn/go-sqlite3",
	"github.com/lib/pq",
}

// rules are the import rules of the design (../shared/DESIGN.md, "Layout").
var rules = append([]rule{
	{imp: "github.com/bwmarrin/discordgo", allowed: []string{"bot", "commands", "render"}},
	{imp: "github.com/sashabaranov/go-openai", allowed: []string{"summarizer"}},
	{imp: "github.com/mmcdole/gofeed", allowed: []string{"feeds"}},
}, driverRules()...)

// driverUsers are the packages that may import a database driver: storage,
// and internal/pgtest, the test support that creates and drops a database
// per test on a PostgreSQL server, which it cannot do through storage (an
// admin's CREATE and DROP DATABASE are no part of the store's job).
var driverUsers = []string{"storage", "internal/pgtest"}

func driverRules() []rule {
	out := make([]rule, len(drivers))
	for i, d := range drivers {
		out[i] = rule{imp: d, allowed: driverUsers}
	}
	return out
}

// leaves are secbrief's packages that import nothing of secbrief's own:
// the domain types everyone shares.
var leaves = []string{"news"}

// notUnderBot are what the Discord adapter must not compile, even through
// another package: it would drag a database or the feed parser into every
// build of the Discord side.
var notUnderBot = append([]string{"github.com/mmcdole/gofeed", "github.com/sashabaranov/go-openai"}, drivers...)

// listed is the part of `go list -json` output the rules look at.
type listed struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	// Imports are the imports of the package's non-test files.
	Imports []string
}

// under reports whether path is pkg or one of its subpackages.
func under(path, pkg string) bool {
	return path == pkg || strings.HasPrefix(path, pkg+"/")
}

// production reports whether the rules hold for pkg, returning its path
// relative to the module: the in-process fakes (internal/fake…) serve tests
// only and may import what they fake.
func production(pkg string) (string, bool) {
	rel, ok := strings.CutPrefix(pkg, module+"/")
	if !ok || strings.HasPrefix(rel, "internal/fake") {
		return "", false
	}
	return rel, true
}

// violations lists every direct import of pkgs that breaks the rules, one
// line each.
func violations(pkgs []listed) []string {
	var out []string
	for _, p := range pkgs {
		rel, ok := production(p.ImportPath)
		if !ok {
			continue
		}
		for _, imp := range p.Imports {
			for _, r := range rules {
				if under(imp, r.imp) && !slices.ContainsFunc(r.allowed, func(a string) bool { return under(rel, a) }) {
					out = append(out, fmt.Sprintf("%s imports %s: only %s may", rel, imp, strings.Join(r.allowed, ", ")))
				}
			}
			if slices.ContainsFunc(leaves, func(l string) bool { return under(rel, l) }) && under(imp, module) {
				out = append(out, fmt.Sprintf("%s imports %s: %s imports nothing of secbrief's own", rel, imp, rel))
			}
		}
	}
	return out
}

// chain is the shortest import chain from root to a package under one of
// banned, as "a → b → c", or "" when root does not depend on any. deps is
// `go list -deps` of root: every package root needs, with its imports.
func chain(root string, deps []listed, banned []string) string {
	imports := make(map[string][]string, len(deps))
	for _, p := range deps {
		imports[p.ImportPath] = p.Imports
	}
	from := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		if slices.ContainsFunc(banned, func(b string) bool { return under(pkg, b) }) {
			path := []string{pkg}
			for p := from[pkg]; p != ""; p = from[p] {
				path = append(path, p)
			}
			slices.Reverse(path)
			return strings.Join(path, " → ")
		}
		for _, imp := range imports[pkg] {
			if _, seen := from[imp]; !seen {
				from[imp] = pkg
				queue = append(queue, imp)
			}
		}
	}
	return ""
}
