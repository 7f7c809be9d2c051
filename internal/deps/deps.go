package deps
import (
 _ "github.com/bwmarrin/discordgo"
 _ "github.com/sashabaranov/go-openai"
 _ "github.com/robfig/cron/v3"
 _ "modernc.org/sqlite"
 _ "github.com/mmcdole/gofeed"
 _ "codeberg.org/readeck/go-readability/v2"
 _ "github.com/goccy/go-yaml"
 _ "golang.org/x/time/rate"
 _ "golang.org/x/sync/singleflight"
 _ "golang.org/x/sync/errgroup"
 _ "golang.org/x/net/html"
 _ "golang.org/x/net/html/charset"
)
