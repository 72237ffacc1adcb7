package leakhunt

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
)

// A marker tags everything of one tenant: its name, its users' usernames and
// emails, its items' titles and descriptions. It is "mk-", the tenant's
// slug, "-" and 12 random hex digits, so that no marker is part of another
// and none turns up by chance.
var markerPattern = regexp.MustCompile(`mk-[a-z0-9_]+-[0-9a-f]{12}`)

// NewMarker returns a fresh marker for the tenant with slug.
func NewMarker(slug string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // never fails on Linux
	return "mk-" + slug + "-" + hex.EncodeToString(b)
}

// ForeignMarkers returns the markers in body other than own: in a response
// to a request of own's tenant, each is another tenant's data.
func ForeignMarkers(body []byte, own string) []string {
	var foreign []string
	for _, m := range markerPattern.FindAll(body, -1) {
		if string(m) != own {
			foreign = append(foreign, string(m))
		}
	}
	return foreign
}

// UnmarkedRows counts the entries of a page's results (items or users)
// whose fields do not carry own, the marker of the request's tenant: every
// row the hunt creates does, so an entry without it came from elsewhere. It
// returns -1 when body is not a page.
func UnmarkedRows(body []byte, own string) int {
	var page struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(body, &page); err != nil || page.Results == nil {
		return -1
	}
	n := 0
	for _, row := range page.Results {
		if !rowMarked(row, own) {
			n++
		}
	}
	return n
}

// rowMarked reports whether an item's title or a user's username carries
// own.
func rowMarked(row map[string]any, own string) bool {
	for _, field := range []string{"name", "username"} {
		if s, ok := row[field].(string); ok {
			return strings.Contains(s, own)
		}
	}
	return false
}
