package provision

import (
	_ "embed"
	"strings"
	"sync"
)

// timezones.txt lists the zone names of the IANA time zone database that
// Go embeds (time/tzdata, which this package imports), one a line, as in
// the toolchain's lib/time/zoneinfo.zip less its "Factory" placeholder.
// Regenerate it from there when the toolchain's database gains a zone.
//
//go:embed timezones.txt
var timezonesTxt string

var timeZones = sync.OnceValue(func() []string { return strings.Fields(timezonesTxt) })

// TimeZones returns the IANA time zone names a Request's Timezone may
// always take, sorted: every one loads with time.LoadLocation here.
// Validation takes any name that loads; this is the list an API declares.
// The slice is shared: do not change it.
func TimeZones() []string { return timeZones() }
