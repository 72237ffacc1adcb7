package tenanthttp

import (
	"net/http"
	"time"
)

// DatabaseRetryAfter is the Retry-After sent with a 503 answered because
// the database is unreachable: a restart usually takes seconds, and the
// server does not dial the database more often than this whatever the
// clients do.
const DatabaseRetryAfter = time.Second

// DatabaseUnavailable is the detail of a 503 answered because the database
// is unreachable.
const DatabaseUnavailable = "database unavailable, retry shortly"

// WriteDatabaseUnavailable answers 503 with Retry-After for a request that
// failed because the database is down, restarting or refusing connections
// (pgerr.Unavailable).
func WriteDatabaseUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", retryAfterSeconds(DatabaseRetryAfter))
	WriteProblem(w, http.StatusServiceUnavailable, DatabaseUnavailable)
}
