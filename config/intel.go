package config

import (
	"strings"
	"time"

	"github.com/secbrief/secbrief/internal/defaults"
)

// IntelConfig governs vulnerability intelligence (package intel): CISA's
// KEV catalog, FIRST's EPSS scores and the CVSS score of each CVE a story
// names.
type IntelConfig struct {
	// Enabled turns all of it on (the default) or off.
	Enabled bool `yaml:"enabled"`
	// KEVURL is CISA's Known Exploited Vulnerabilities catalog (JSON).
	KEVURL string `yaml:"kev_url"`
	// KEVRefresh is the time between two downloads of the catalog
	// (conditional GETs).
	KEVRefresh Duration `yaml:"kev_refresh"`
	// EPSSURL is the day's EPSS scores (gzip CSV).
	EPSSURL string `yaml:"epss_url"`
	// EPSSRefresh is the time between two downloads of the EPSS file.
	EPSSRefresh Duration `yaml:"epss_refresh"`
	// CVEURL is the CVE JSON 5 record of one CVE; {id} stands for its id.
	CVEURL string `yaml:"cve_url"`
	// NVDURL is NVD's CVE API 2.0 for one CVE ({id}), asked when the CVE
	// record has no CVSS score.
	NVDURL string `yaml:"nvd_url"`
	// NVDAPIKey is an NVD API key: optional, it raises NVD's rate limit
	// from 5 to 50 requests per 30 seconds.
	NVDAPIKey Secret `yaml:"nvd_api_key"`
	// CVSSTTL is how long a CVE's looked-up record and score are kept
	// before they are looked up again.
	CVSSTTL Duration `yaml:"cvss_ttl"`
}

// defaultIntel is the intel section of Default.
func defaultIntel() IntelConfig {
	return IntelConfig{
		Enabled:     true,
		KEVURL:      defaults.IntelKEVURL,
		KEVRefresh:  Duration(defaults.IntelKEVRefresh),
		EPSSURL:     defaults.IntelEPSSURL,
		EPSSRefresh: Duration(defaults.IntelEPSSRefresh),
		CVEURL:      defaults.IntelCVEURL,
		NVDURL:      defaults.IntelNVDURL,
		CVSSTTL:     Duration(defaults.IntelCVSSTTL),
	}
}

func (c IntelConfig) validate(v *validator) {
	v.httpURL("intel.kev_url", c.KEVURL)
	v.httpURL("intel.epss_url", c.EPSSURL)
	for _, u := range []struct{ key, url string }{{"intel.cve_url", c.CVEURL}, {"intel.nvd_url", c.NVDURL}} {
		if v.httpURL(u.key, strings.ReplaceAll(u.url, "{id}", "CVE-2025-0001")) && !strings.Contains(u.url, "{id}") {
			v.add(u.key, "must contain {id}, where the CVE id goes")
		}
	}
	// The sources publish daily (EPSS) or a few times a day (KEV): asking
	// more often only loads them.
	if c.KEVRefresh < Duration(10*time.Minute) {
		v.add("intel.kev_refresh", "must be at least 10m, got %s", c.KEVRefresh)
	}
	if c.EPSSRefresh < Duration(time.Hour) {
		v.add("intel.epss_refresh", "must be at least 1h, got %s", c.EPSSRefresh)
	}
	if c.CVSSTTL < Duration(time.Hour) {
		v.add("intel.cvss_ttl", "must be at least 1h, got %s", c.CVSSTTL)
	}
	if strings.ContainsAny(c.NVDAPIKey.Value(), " \t\r\n") {
		v.add("intel.nvd_api_key", "must not contain spaces or line breaks")
	}
}
