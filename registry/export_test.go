package registry

import "time"

// SetClock makes r read the time from now, so tests can move it.
func SetClock(r *Registry, now func() time.Time) { r.now = now }
