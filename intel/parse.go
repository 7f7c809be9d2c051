package intel

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/secbrief/secbrief/news"
)

// kevJSON is CISA's catalog (known_exploited_vulnerabilities_schema.json).
type kevJSON struct {
	CatalogVersion  string `json:"catalogVersion"`
	DateReleased    string `json:"dateReleased"`
	Vulnerabilities []struct {
		CVEID                      string `json:"cveID"`
		VendorProject              string `json:"vendorProject"`
		Product                    string `json:"product"`
		VulnerabilityName          string `json:"vulnerabilityName"`
		DateAdded                  string `json:"dateAdded"`
		ShortDescription           string `json:"shortDescription"`
		RequiredAction             string `json:"requiredAction"`
		DueDate                    string `json:"dueDate"`
		KnownRansomwareCampaignUse string `json:"knownRansomwareCampaignUse"`
		Notes                      string `json:"notes"`
	} `json:"vulnerabilities"`
}

// parseKEV reads the KEV catalog. Every entry needs a CVE id and a date
// added; an empty catalog is refused (it would empty the stored one).
func parseKEV(body []byte) (news.KEVCatalog, error) {
	var doc kevJSON
	if err := json.Unmarshal(body, &doc); err != nil {
		return news.KEVCatalog{}, fmt.Errorf("%w: kev catalog: %v", ErrFormat, err)
	}
	if len(doc.Vulnerabilities) == 0 {
		return news.KEVCatalog{}, fmt.Errorf("%w: kev catalog lists no vulnerabilities", ErrFormat)
	}
	cat := news.KEVCatalog{Version: doc.CatalogVersion, Entries: make([]news.KEVEntry, 0, len(doc.Vulnerabilities))}
	if t, err := time.Parse(time.RFC3339Nano, doc.DateReleased); err == nil {
		cat.Released = t.UTC()
	}
	for i, v := range doc.Vulnerabilities {
		id, ok := NormalizeID(v.CVEID)
		if !ok {
			return news.KEVCatalog{}, fmt.Errorf("%w: kev entry %d: cveID %q", ErrFormat, i, v.CVEID)
		}
		added, err := time.Parse(time.DateOnly, strings.TrimSpace(v.DateAdded))
		if err != nil {
			return news.KEVCatalog{}, fmt.Errorf("%w: kev entry %s: dateAdded %q", ErrFormat, id, v.DateAdded)
		}
		due, _ := time.Parse(time.DateOnly, strings.TrimSpace(v.DueDate)) // optional
		cat.Entries = append(cat.Entries, news.KEVEntry{
			CVEID:             id,
			VendorProject:     strings.TrimSpace(v.VendorProject),
			Product:           strings.TrimSpace(v.Product),
			VulnerabilityName: strings.TrimSpace(v.VulnerabilityName),
			DateAdded:         added,
			DueDate:           due,
			Ransomware:        strings.EqualFold(strings.TrimSpace(v.KnownRansomwareCampaignUse), "Known"),
			ShortDescription:  strings.TrimSpace(v.ShortDescription),
			RequiredAction:    strings.TrimSpace(v.RequiredAction),
			Notes:             strings.TrimSpace(v.Notes),
		})
	}
	return cat, nil
}

// epssDateLayouts are the forms the score_date of an EPSS file has taken.
var epssDateLayouts = []string{"2006-01-02T15:04:05-0700", time.RFC3339, time.DateOnly}

// parseEPSS reads an EPSS file: an optional first line
// "#model_version:v2025.03.14,score_date:2026-09-13T00:00:00+0000", the
// header "cve,epss,percentile", then one row per CVE. Any malformed row
// refuses the whole file (the stored day stays).
func parseEPSS(body []byte) (news.EPSSSet, error) {
	var set news.EPSSSet
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	line, header := 0, false
	set.Scores = make([]news.EPSSScore, 0, bytes.Count(body, []byte{'\n'}))
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "":
			continue
		case strings.HasPrefix(text, "#"):
			if header {
				return news.EPSSSet{}, fmt.Errorf("%w: epss line %d: comment after the header", ErrFormat, line)
			}
			for field := range strings.SplitSeq(strings.TrimPrefix(text, "#"), ",") {
				k, v, _ := strings.Cut(field, ":")
				switch strings.TrimSpace(k) {
				case "model_version":
					set.ModelVersion = strings.TrimSpace(v)
				case "score_date":
					for _, layout := range epssDateLayouts {
						if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
							set.ScoreDate = t.UTC()
							break
						}
					}
				}
			}
			continue
		case !header:
			if text != "cve,epss,percentile" {
				return news.EPSSSet{}, fmt.Errorf("%w: epss line %d: header %q, want cve,epss,percentile", ErrFormat, line, text)
			}
			header = true
			continue
		}
		score, err := parseEPSSRow(text)
		if err != nil {
			return news.EPSSSet{}, fmt.Errorf("%w: epss line %d: %v", ErrFormat, line, err)
		}
		set.Scores = append(set.Scores, score)
	}
	if err := sc.Err(); err != nil {
		return news.EPSSSet{}, fmt.Errorf("%w: epss: %v", ErrFormat, err)
	}
	if len(set.Scores) == 0 {
		return news.EPSSSet{}, fmt.Errorf("%w: epss file has no scores", ErrFormat)
	}
	return set, nil
}

// parseEPSSRow reads "CVE-2025-53770,0.94,0.998".
func parseEPSSRow(text string) (news.EPSSScore, error) {
	id, rest, ok1 := strings.Cut(text, ",")
	p, q, ok2 := strings.Cut(rest, ",")
	if !ok1 || !ok2 {
		return news.EPSSScore{}, fmt.Errorf("want 3 fields: %q", text)
	}
	id, ok := NormalizeID(id)
	if !ok {
		return news.EPSSScore{}, fmt.Errorf("not a CVE id: %q", text)
	}
	prob, err1 := strconv.ParseFloat(p, 64)
	pct, err2 := strconv.ParseFloat(q, 64)
	// Written so that NaN, which compares false with anything, is refused.
	if err1 != nil || err2 != nil || !(prob >= 0 && prob <= 1 && pct >= 0 && pct <= 1) {
		return news.EPSSScore{}, fmt.Errorf("scores must be numbers from 0 to 1: %q", text)
	}
	return news.EPSSScore{CVEID: id, Probability: prob, Percentile: pct}, nil
}
