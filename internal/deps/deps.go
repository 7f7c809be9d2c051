package deps

import (
	_ "codeberg.org/readeck/go-readability/v2"
	_ "github.com/bwmarrin/discordgo"
	_ "github.com/goccy/go-yaml"
	_ "github.com/mmcdole/gofeed"
	_ "github.com/robfig/cron/v3"
	_ "github.com/sashabaranov/go-openai"
	_ "golang.org/x/net/html"
	_ "golang.org/x/net/html/charset"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/sync/singleflight"
	_ "golang.org/x/time/rate"
	_ "modernc.org/sqlite"
)
