package tenanthttp

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tenantry/tenantry"
)

// DefaultRetryAfter is the Retry-After sent with a suspended tenant's 503
// when Config.RetryAfter is zero.
const DefaultRetryAfter = time.Hour

// DefaultMaintenanceRetryAfter is the Retry-After sent with the 503 of a
// tenant in maintenance when Config.MaintenanceRetryAfter is zero.
const DefaultMaintenanceRetryAfter = 30 * time.Second

// maxRequestIDBytes bounds the request id copied into logs from a header.
const maxRequestIDBytes = 128

// Config adjusts Middleware. A nil *Config means the defaults.
type Config struct {
	// FallbackDomains are hosts served by Public instead of a tenant, such as
	// "localhost" or "www.example.com". They are normalised like Host headers
	// ("LOCALHOST." is localhost) and may be IP addresses ("127.0.0.1",
	// "[::1]"), which otherwise get 404. A fallback domain wins over a tenant
	// domain of the same name, and is answered without a lookup. Default
	// none. An entry that is not a valid host makes Middleware panic.
	FallbackDomains []string
	// Public handles requests for the fallback domains; its requests carry
	// no tenant. Default: 404, as for a host no tenant serves.
	Public http.Handler
	// Logger receives failed lookups (the 500s at error level, the 503s of
	// an unreachable database at debug level), with the host and request
	// id. Default: discard.
	Logger *slog.Logger
	// RetryAfter is sent, in whole seconds, as the Retry-After header of a
	// suspended tenant's 503: how long a client should wait before trying
	// again. Zero means DefaultRetryAfter (one hour); a negative value sends
	// no Retry-After. A terminated tenant's 503 never has one: it will not
	// come back.
	RetryAfter time.Duration
	// MaintenanceRetryAfter is sent, in whole seconds, as the Retry-After
	// header of the 503 of a tenant in maintenance. Default
	// DefaultMaintenanceRetryAfter (30 seconds).
	MaintenanceRetryAfter time.Duration
	// RequestID returns the id under which a request is logged. Default: the
	// X-Request-ID header, cut to 128 bytes.
	RequestID func(*http.Request) string
}

// settings is a Config with its defaults applied, ready to serve.
type settings struct {
	Config
	fallback map[string]bool
}

// newSettings applies the defaults to cfg and normalises the fallback
// domains. It panics, naming the entry, on an invalid fallback domain.
func newSettings(cfg *Config) *settings {
	s := &settings{fallback: map[string]bool{}}
	if cfg != nil {
		s.Config = *cfg
	}
	for i, d := range s.FallbackDomains {
		host, err := tenantry.NormalizeHost(d)
		if err != nil {
			panic(fmt.Sprintf("tenanthttp: Config.FallbackDomains[%d]: %v", i, err))
		}
		s.fallback[host] = true
	}
	if s.Public == nil {
		s.Public = http.HandlerFunc(notFound)
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.RetryAfter == 0 {
		s.RetryAfter = DefaultRetryAfter
	}
	if s.MaintenanceRetryAfter <= 0 {
		s.MaintenanceRetryAfter = DefaultMaintenanceRetryAfter
	}
	if s.RequestID == nil {
		s.RequestID = headerRequestID
	}
	return s
}

// headerRequestID returns the X-Request-ID header, cut to a length that
// cannot flood the logs.
func headerRequestID(r *http.Request) string {
	id := r.Header.Get("X-Request-ID")
	if len(id) > maxRequestIDBytes {
		id = id[:maxRequestIDBytes]
	}
	return id
}
