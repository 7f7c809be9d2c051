package news

import "testing"

func TestWatchTermKey(t *testing.T) {
	for _, tt := range []struct{ term, normal, key string }{
		{"  Ivanti \t Connect\nSecure ", "Ivanti Connect Secure", "ivanti connect secure"},
		{"Palo\u00a0Alto", "Palo Alto", "palo alto"},
		{"CVE\u20112025\u201353770", "CVE\u20112025\u201353770", "cve-2025-53770"},
		{"\u212Aelvin ſAP ΣΊΣΥΦΟΣ", "\u212Aelvin ſAP ΣΊΣΥΦΟΣ", "kelvin sap σίσυφοσ"},
		{"   ", "", ""},
	} {
		if got := NormalizeWatchTerm(tt.term); got != tt.normal {
			t.Errorf("NormalizeWatchTerm(%q) = %q, want %q", tt.term, got, tt.normal)
		}
		if got := WatchTermKey(tt.term); got != tt.key {
			t.Errorf("WatchTermKey(%q) = %q, want %q", tt.term, got, tt.key)
		}
	}
	if n := WatchTermLen(" é  b "); n != 3 {
		t.Errorf("WatchTermLen = %d, want 3", n)
	}
	if (Watch{Term: "SAP  HANA"}).Key() != "sap hana" {
		t.Error("Watch.Key differs from WatchTermKey")
	}
}
