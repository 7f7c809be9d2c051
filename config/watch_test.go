package config

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateWatch(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*WatchConfig)
		key, msg string
	}{
		{"no alerts", func(c *WatchConfig) { c.MaxAlertsPerHour = 0 }, "watch.max_alerts_per_hour", "between 1 and 100"},
		{"too many alerts", func(c *WatchConfig) { c.MaxAlertsPerHour = 101 }, "watch.max_alerts_per_hour", "between 1 and 100"},
		{"no terms", func(c *WatchConfig) { c.MaxTermsPerGuild = 0 }, "watch.max_terms_per_guild", "between 1 and 10000"},
		{"negative terms", func(c *WatchConfig) { c.MaxTermsPerGuild = -5 }, "watch.max_terms_per_guild", "between 1 and 10000"},
		{"too many terms", func(c *WatchConfig) { c.MaxTermsPerGuild = 10001 }, "watch.max_terms_per_guild", "between 1 and 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c.Watch)
			errs := fieldErrors(t, c.Validate())
			if len(errs) != 1 || errs[0].Key != tt.key || !strings.Contains(errs[0].Msg, tt.msg) {
				t.Fatalf("errors %v, want one on %s saying %q", errs, tt.key, tt.msg)
			}
		})
	}
	if d := Default().Watch; d.MaxAlertsPerHour != 10 || d.MaxTermsPerGuild != 100 {
		t.Errorf("defaults = %+v, want 10 alerts an hour and 100 terms", d)
	}
}

// TestCheckWatchLines: check-config reports a bad watch value on its line.
func TestCheckWatchLines(t *testing.T) {
	path := writeConfig(t, "watch:\n  max_alerts_per_hour: 10\n  max_terms_per_guild: 0\n")
	c, rep, err := Check(path, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Watch.MaxAlertsPerHour != 10 {
		t.Errorf("watch = %+v", c.Watch)
	}
	if len(rep.Problems) != 1 {
		t.Fatalf("problems %v, want one", rep.Problems)
	}
	var fe *FileError
	if !errors.As(rep.Problems[0], &fe) || fe.Line != 3 || fe.Key != "watch.max_terms_per_guild" {
		t.Errorf("problem %v, want watch.max_terms_per_guild on line 3", rep.Problems[0])
	}
	if _, rep, _ := Check(writeConfig(t, "watch:\n  max_alerts_per_hour: lots\n"), envOf(nil)); len(rep.Problems) != 1 ||
		!strings.Contains(rep.Problems[0].Error(), "line 2") {
		t.Errorf("a value of the wrong type: %v, want a problem on line 2", rep.Problems)
	}
}
