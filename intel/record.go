package intel

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/secbrief/secbrief/news"
)

// cveJSON is the part of a CVE JSON 5 record secbrief reads.
type cveJSON struct {
	CVEMetadata struct {
		CVEID string `json:"cveId"`
		State string `json:"state"`
	} `json:"cveMetadata"`
	Containers struct {
		CNA container   `json:"cna"`
		ADP []container `json:"adp"`
	} `json:"containers"`
}

type container struct {
	Title            string     `json:"title"`
	Descriptions     []langText `json:"descriptions"`
	RejectedReasons  []langText `json:"rejectedReasons"`
	ProviderMetadata struct {
		ShortName string `json:"shortName"`
	} `json:"providerMetadata"`
	References []struct {
		URL  string   `json:"url"`
		Tags []string `json:"tags"`
	} `json:"references"`
	Metrics []struct {
		V31 *cvssJSON `json:"cvssV3_1"`
		V40 *cvssJSON `json:"cvssV4_0"`
		V30 *cvssJSON `json:"cvssV3_0"`
	} `json:"metrics"`
}

type langText struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

// cvssJSON is a CVSS object of either source (CVE JSON 5's cvssV3_1...,
// NVD's cvssData).
type cvssJSON struct {
	Version      string   `json:"version"`
	BaseScore    *float64 `json:"baseScore"`
	BaseSeverity string   `json:"baseSeverity"`
	VectorString string   `json:"vectorString"`
}

// cisaADPTitle names the ADP container where CISA adds what CNAs left out.
const cisaADPTitle = "CISA ADP Vulnrichment"

// parseCVERecord reads a CVE JSON 5 record of id: its title, English
// description, vendor advisory, and CVSS score, from the CNA's metrics
// first, then from the CISA ADP container's. rejected is true for a
// rejected CVE id, whose description is the reason.
func parseCVERecord(id string, body []byte) (rec news.CVERecord, rejected bool, err error) {
	var doc cveJSON
	if err := json.Unmarshal(body, &doc); err != nil {
		return news.CVERecord{}, false, fmt.Errorf("%w: cve record: %v", ErrFormat, err)
	}
	if got, _ := NormalizeID(doc.CVEMetadata.CVEID); got != id {
		return news.CVERecord{}, false, fmt.Errorf("%w: cve record of %q, want %s", ErrFormat, doc.CVEMetadata.CVEID, id)
	}
	cna := doc.Containers.CNA
	rec = news.CVERecord{ID: id, Found: true, Source: news.SourceCNA,
		Title: strings.TrimSpace(cna.Title), Description: english(cna.Descriptions)}
	if strings.EqualFold(doc.CVEMetadata.State, "REJECTED") {
		if rec.Description == "" {
			rec.Description = english(cna.RejectedReasons)
		}
		return rec, true, nil
	}
	for _, ref := range cna.References {
		if slices.ContainsFunc(ref.Tags, func(t string) bool { return strings.EqualFold(t, "vendor-advisory") }) && webURL(ref.URL) {
			rec.AdvisoryURL = ref.URL
			break
		}
	}
	rec.CVSS = pickCVSS(cna, news.SourceCNA)
	if rec.CVSS == nil {
		for _, adp := range doc.Containers.ADP {
			if adp.Title == cisaADPTitle || strings.EqualFold(adp.ProviderMetadata.ShortName, "CISA-ADP") {
				if rec.CVSS = pickCVSS(adp, news.SourceCISAADP); rec.CVSS != nil {
					break
				}
			}
		}
	}
	return rec, false, nil
}

// pickCVSS is the container's CVSS v3.1 score, else v4.0, else v3.0.
func pickCVSS(c container, source string) *news.CVSSScore {
	for _, pick := range []func(i int) *cvssJSON{
		func(i int) *cvssJSON { return c.Metrics[i].V31 },
		func(i int) *cvssJSON { return c.Metrics[i].V40 },
		func(i int) *cvssJSON { return c.Metrics[i].V30 },
	} {
		for i := range c.Metrics {
			if s := toScore(pick(i), source); s != nil {
				return s
			}
		}
	}
	return nil
}

// toScore converts a CVSS object, nil when it has no usable base score.
func toScore(c *cvssJSON, source string) *news.CVSSScore {
	if c == nil || c.BaseScore == nil || *c.BaseScore < 0 || *c.BaseScore > 10 {
		return nil
	}
	version := c.Version
	switch version {
	case news.CVSSv31, news.CVSSv40, news.CVSSv30:
	default:
		return nil
	}
	return &news.CVSSScore{Version: version, Score: *c.BaseScore, Severity: news.CVSSSeverityOf(c.BaseSeverity, *c.BaseScore),
		Vector: strings.TrimSpace(c.VectorString), Source: source}
}

// english is the first English text of ts, else the first.
func english(ts []langText) string {
	for _, t := range ts {
		if strings.HasPrefix(strings.ToLower(t.Lang), "en") && strings.TrimSpace(t.Value) != "" {
			return strings.TrimSpace(t.Value)
		}
	}
	if len(ts) > 0 {
		return strings.TrimSpace(ts[0].Value)
	}
	return ""
}

// webURL reports whether s is an absolute http(s) URL.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// nvdJSON is the part of an NVD CVE API 2.0 answer secbrief reads.
type nvdJSON struct {
	TotalResults    *int `json:"totalResults"`
	Vulnerabilities []struct {
		CVE struct {
			ID           string     `json:"id"`
			VulnStatus   string     `json:"vulnStatus"`
			Descriptions []langText `json:"descriptions"`
			Metrics      struct {
				V31 []nvdMetric `json:"cvssMetricV31"`
				V40 []nvdMetric `json:"cvssMetricV40"`
				V30 []nvdMetric `json:"cvssMetricV30"`
			} `json:"metrics"`
			References []struct {
				URL  string   `json:"url"`
				Tags []string `json:"tags"`
			} `json:"references"`
		} `json:"cve"`
	} `json:"vulnerabilities"`
}

type nvdMetric struct {
	Type     string   `json:"type"` // Primary or Secondary
	CVSSData cvssJSON `json:"cvssData"`
}

// parseNVD reads NVD's answer for id; found is false when NVD has no such
// CVE.
func parseNVD(id string, body []byte) (rec news.CVERecord, found bool, err error) {
	var doc nvdJSON
	if err := json.Unmarshal(body, &doc); err != nil {
		return news.CVERecord{}, false, fmt.Errorf("%w: nvd: %v", ErrFormat, err)
	}
	if doc.TotalResults == nil {
		return news.CVERecord{}, false, fmt.Errorf("%w: nvd: no totalResults", ErrFormat)
	}
	for _, v := range doc.Vulnerabilities {
		c := v.CVE
		if got, _ := NormalizeID(c.ID); got != id {
			continue
		}
		rec = news.CVERecord{ID: id, Found: true, Source: news.SourceNVD, Description: english(c.Descriptions)}
		for _, ref := range c.References {
			if slices.ContainsFunc(ref.Tags, func(t string) bool { return strings.EqualFold(t, "Vendor Advisory") }) && webURL(ref.URL) {
				rec.AdvisoryURL = ref.URL
				break
			}
		}
		for _, ms := range [][]nvdMetric{c.Metrics.V31, c.Metrics.V40, c.Metrics.V30} {
			// NVD's own (Primary) score first, then a CNA's (Secondary).
			for _, primary := range []bool{true, false} {
				for _, m := range ms {
					if strings.EqualFold(m.Type, "Primary") == primary && rec.CVSS == nil {
						rec.CVSS = toScore(&m.CVSSData, news.SourceNVD)
					}
				}
			}
		}
		return rec, true, nil
	}
	return news.CVERecord{}, false, nil
}
