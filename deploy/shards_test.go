package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/secbrief/secbrief/config"
)

// TestShardsComposeSharesOnePostgres: deploy/shards runs every Discord shard
// once, all on one PostgreSQL store, each loading the shared config.yaml
// with its own shard id, and none publishing a port beyond loopback.
func TestShardsComposeSharesOnePostgres(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Build       string            `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
	}
	body, err := os.ReadFile(filepath.Join("shards", "docker-compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalWithOptions(body, &c, yaml.AllowDuplicateMapKey()); err != nil {
		t.Fatalf("shards/docker-compose.yaml: %v", err)
	}
	if _, ok := c.Services["postgres"]; !ok {
		t.Fatal("no postgres service")
	}
	var ids []int
	count := -1
	ports := map[string]string{}
	for name, svc := range c.Services {
		if !strings.HasPrefix(name, "shard") {
			continue
		}
		if svc.Build != "../.." {
			t.Errorf("%s builds %q, want ../.. (the repository's Dockerfile)", name, svc.Build)
		}
		if svc.DependsOn["postgres"].Condition != "service_healthy" {
			t.Errorf("%s does not wait for a healthy postgres", name)
		}
		// Compose substitutes ${POSTGRES_PASSWORD} and the like from the
		// operator's environment before the container sees them.
		env := func(k string) string {
			v := svc.Environment[k]
			return strings.NewReplacer("${POSTGRES_PASSWORD}", "pw", "${DISCORD_TOKEN:?set DISCORD_TOKEN}", "token",
				"${OPENAI_API_KEY:-}", "key").Replace(v)
		}
		cfg, err := config.Load(filepath.Join("shards", "config.yaml"), env)
		if err != nil {
			t.Fatalf("%s: shards/config.yaml with its environment: %v", name, err)
		}
		if !cfg.Storage.Postgres() || cfg.Storage.DSN.Value() != "postgres://secbrief:pw@postgres:5432/secbrief?sslmode=disable" {
			t.Errorf("%s: storage %s %q, want postgres at the postgres service", name, cfg.Storage.Driver, cfg.Storage.DSN.Value())
		}
		if count >= 0 && cfg.Discord.ShardCount != count {
			t.Errorf("%s: shard_count %d, others %d", name, cfg.Discord.ShardCount, count)
		}
		count = cfg.Discord.ShardCount
		ids = append(ids, cfg.Discord.ShardID)
		for _, p := range svc.Ports {
			parts := strings.Split(p, ":")
			if len(parts) != 3 || parts[0] != "127.0.0.1" {
				t.Errorf("%s: port %q is published beyond the host's loopback", name, p)
			}
			if other, dup := ports[p]; dup {
				t.Errorf("%s and %s publish the same port %s", name, other, p)
			}
			ports[p] = name
		}
	}
	slices.Sort(ids)
	want := make([]int, max(count, 0))
	for i := range want {
		want[i] = i
	}
	if len(ids) < 2 || !slices.Equal(ids, want) {
		t.Errorf("shard ids %v of count %d: want each of 0..%d once, at least two shards", ids, count, count-1)
	}
}
