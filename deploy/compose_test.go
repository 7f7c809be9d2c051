package deploy

import (
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/secbrief/secbrief/config"
)

// compose is the part of docker-compose.yaml the tests read.
type compose struct {
	Services map[string]struct {
		Build       string            `yaml:"build"`
		User        string            `yaml:"user"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		ReadOnly    bool              `yaml:"read_only"`
		Tmpfs       []string          `yaml:"tmpfs"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestComposeMatchesImage: docker-compose.yaml builds this Dockerfile,
// keeps the database on a named volume at the image's VOLUME, mounts the
// configuration where SECBRIEF_CONFIG points, takes secrets from the
// environment, and publishes the port the image exposes on loopback only.
func TestComposeMatchesImage(t *testing.T) {
	img := readImage(t)
	var c compose
	if err := yaml.Unmarshal([]byte(repoFile(t, "docker-compose.yaml")), &c); err != nil {
		t.Fatalf("docker-compose.yaml: %v", err)
	}
	svc, ok := c.Services["secbrief"]
	if !ok {
		t.Fatal("docker-compose.yaml has no secbrief service")
	}
	if svc.Build != "." {
		t.Errorf("build = %q, want . (the Dockerfile here)", svc.Build)
	}
	if svc.User != "" {
		t.Errorf("user %q overrides the image's non-root user", svc.User)
	}

	configPath := svc.Environment["SECBRIEF_CONFIG"]
	mounts := map[string]string{} // container path → source
	for _, v := range svc.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			t.Fatalf("volume %q has no container path", v)
		}
		mounts[parts[1]] = parts[0]
		if parts[1] == configPath && (len(parts) < 3 || parts[2] != "ro") {
			t.Errorf("the configuration %q is mounted writable", v)
		}
	}
	if configPath == "" || mounts[configPath] == "" {
		t.Errorf("SECBRIEF_CONFIG %q is not a mounted file (mounts %v)", configPath, mounts)
	}
	for _, vol := range img.volumes {
		src := mounts[vol]
		if src == "" || strings.ContainsAny(src, "./") {
			t.Errorf("the image's VOLUME %s is not on a named volume (mounts %v)", vol, mounts)
			continue
		}
		if _, declared := c.Volumes[src]; !declared {
			t.Errorf("volume %s is not declared under volumes:", src)
		}
	}
	if svc.ReadOnly && !slices.ContainsFunc(svc.Tmpfs, func(s string) bool { return strings.HasPrefix(s, "/tmp") }) {
		t.Error("a read-only container needs a tmpfs on /tmp (SQLite's temporary files)")
	}

	for _, key := range []string{"DISCORD_TOKEN", "OPENAI_API_KEY"} {
		if v, ok := svc.Environment[key]; ok && !regexp.MustCompile(`^\$\{`+key+`[:?}-]`).MatchString(v) {
			t.Errorf("%s = %q: a secret must come from the environment, not the file", key, v)
		}
	}

	for _, p := range svc.Ports {
		parts := strings.Split(p, ":")
		if len(parts) != 3 || parts[0] != "127.0.0.1" {
			t.Errorf("port %q is published beyond the host's loopback (/metrics is for the operator)", p)
			continue
		}
		if !slices.Contains(img.exposed, parts[2]) {
			t.Errorf("port %q publishes a port the image does not expose (%v)", p, img.exposed)
		}
		// The documented metrics.listen for the container is valid config.
		cfg := config.Default()
		cfg.Metrics.Listen = ":" + parts[2]
		if err := cfg.Validate(); err != nil {
			t.Errorf("metrics.listen %q: %v", cfg.Metrics.Listen, err)
		}
	}

	// config.example.yaml, loaded as the container would load it, puts the
	// database on the volume.
	env := func(k string) string { return svc.Environment[k] }
	cfg, err := config.Load(filepath.Join("..", "config.example.yaml"), env)
	if err != nil {
		t.Fatalf("config.example.yaml with the compose environment: %v", err)
	}
	db := cfg.Storage.Path
	if !path.IsAbs(db) {
		db = path.Join(img.workdir, db)
	}
	if !slices.ContainsFunc(img.volumes, func(v string) bool { return strings.HasPrefix(db, v+"/") }) {
		t.Errorf("storage.path %s is not on a volume %v: the database would be lost with the container", db, img.volumes)
	}
}
