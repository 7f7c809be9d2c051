package render

import (
	"regexp"
	"strings"
)

// cveID is a well-formed CVE identifier.
var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// NVDURL is the NVD page of a CVE id.
func NVDURL(id string) string { return "https://nvd.nist.gov/vuln/detail/" + id }

// validCVEs returns the well-formed ids of ids, upper-cased, trimmed and
// without duplicates, in their first order. Anything else is dropped: CVE
// ids are the only list rendered as links, so only ids we can vouch for by
// their form get through.
func validCVEs(ids ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range ids {
		for _, id := range list {
			id = strings.ToUpper(strings.TrimSpace(id))
			if cveID.MatchString(id) && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// cveLink is the masked link from a CVE id to its NVD page. It is the only
// masked link render produces: its text is the id its URL names, so it
// cannot disguise where it leads (CheckSafe accepts exactly this form).
func cveLink(id string) string { return "[" + id + "](" + NVDURL(id) + ")" }
