package provision_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tenantry/tenantry/provision"
)

// Every zone the API's schema declares loads here, so a schema-valid
// timezone is never refused.
func TestTimeZonesAllLoad(t *testing.T) {
	t.Parallel()
	zones := provision.TimeZones()
	if len(zones) < 400 || !slices.IsSorted(zones) || !slices.Contains(zones, "Europe/Paris") || !slices.Contains(zones, "UTC") {
		t.Fatalf("%d zones, sorted %v", len(zones), slices.IsSorted(zones))
	}
	for _, z := range zones {
		if _, err := time.LoadLocation(z); err != nil || z == "Local" {
			t.Errorf("zone %q: %v", z, err)
		}
	}
}
