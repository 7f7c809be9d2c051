package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateIntel(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*IntelConfig)
		key, msg string
	}{
		{"kev url not http", func(c *IntelConfig) { c.KEVURL = "file:///etc/kev.json" }, "intel.kev_url", "http(s) URL"},
		{"epss url with credentials", func(c *IntelConfig) { c.EPSSURL = "https://u:p@epss.example/x.csv.gz" }, "intel.epss_url", "credentials"},
		{"cve url without {id}", func(c *IntelConfig) { c.CVEURL = "https://cveawg.mitre.org/api/cve/" }, "intel.cve_url", "{id}"},
		{"nvd url not a URL", func(c *IntelConfig) { c.NVDURL = "nvd?cveId={id}" }, "intel.nvd_url", "http(s) URL"},
		{"kev refresh too often", func(c *IntelConfig) { c.KEVRefresh = Duration(time.Minute) }, "intel.kev_refresh", "at least 10m"},
		{"epss refresh too often", func(c *IntelConfig) { c.EPSSRefresh = Duration(30 * time.Minute) }, "intel.epss_refresh", "at least 1h"},
		{"cvss ttl zero", func(c *IntelConfig) { c.CVSSTTL = 0 }, "intel.cvss_ttl", "at least 1h"},
		{"api key with a line break", func(c *IntelConfig) { c.NVDAPIKey = "abc\r\nX-Evil: 1" }, "intel.nvd_api_key", "line breaks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c.Intel)
			errs := fieldErrors(t, c.Validate())
			if len(errs) != 1 || errs[0].Key != tt.key || !strings.Contains(errs[0].Msg, tt.msg) {
				t.Fatalf("errors %v, want one on %s saying %q", errs, tt.key, tt.msg)
			}
		})
	}
	t.Run("disabled still validates its values", func(t *testing.T) {
		c := Default()
		c.Intel.Enabled = false
		if err := c.Validate(); err != nil {
			t.Errorf("Validate = %v", err)
		}
	})
	t.Run("the key is never shown", func(t *testing.T) {
		c := Default()
		c.Intel.NVDAPIKey = "SENTINEL-nvd key"
		if err := c.Validate(); err == nil || strings.Contains(err.Error(), "SENTINEL") {
			t.Errorf("Validate = %v", err)
		}
	})
}

func TestLoadIntel(t *testing.T) {
	env := envOf(map[string]string{"NVD_API_KEY": "nvd-secret"})
	c, err := Load(writeConfig(t, "intel:\n  enabled: false\n  kev_refresh: 2h\n  nvd_api_key: ${NVD_API_KEY}\n"), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Intel.Enabled || c.Intel.KEVRefresh.Duration() != 2*time.Hour || c.Intel.NVDAPIKey.Value() != "nvd-secret" ||
		c.Intel.EPSSRefresh.Duration() != 24*time.Hour {
		t.Errorf("intel = %+v", c.Intel)
	}
	if !Default().Intel.Enabled {
		t.Error("intel is off by default")
	}
}
