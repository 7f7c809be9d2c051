// Package importrules holds the test that keeps secbrief's production code
// to the import rules of its design: discordgo only in bot, commands and
// render; go-openai only in summarizer; the database drivers only in
// storage (and internal/pgtest, the test support that makes a database per
// test); gofeed only in feeds; news imports nothing of secbrief's own;
// and bot, the Discord adapter, compiles no database driver, gofeed or
// go-openai, even indirectly. It has no code of its own.
package importrules
