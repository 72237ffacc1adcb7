package leakhunt

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/tenantry/tenantry/auth"
)

// MaxDuration is the longest run: the clients' access tokens, issued
// before it, live auth.AccessTTL.
const MaxDuration = auth.AccessTTL - 5*time.Minute

// Config says where and how hard to hunt. A nil *Config is not allowed: URL
// is required.
type Config struct {
	// URL is a database with the shared migrations applied, reached as a
	// NOINHERIT login that is not a superuser (production's setup). The
	// tenants are created in it and left there. Add
	// ?default_query_exec_mode=exec to go through PgBouncer. Required.
	URL string
	// ListenURL is a direct (not pooled) connection to the same database for
	// the registry's LISTEN. Default URL.
	ListenURL string
	// Tenants is how many tenants are created. Default 8.
	Tenants int
	// Clients is how many clients send requests at once. Default 16.
	Clients int
	// Duration is how long the clients run, at most MaxDuration. Default
	// 3 s.
	Duration time.Duration
	// Items is how many items each tenant starts with. Default 20.
	Items int
	// PoolConns is the size of the pool the server and the library actions
	// share. Default 16.
	PoolConns int
	// DisableRoles turns off the per-tenant role layer, as on Citus.
	// Default false: production's setup.
	DisableRoles bool
	// Seed seeds the clients' random choices. Default: a random seed, which
	// the report shows.
	Seed uint64
	// Logger receives progress lines (setup, the run's start and end).
	// Default: discard.
	Logger *slog.Logger
}

// withDefaults returns a copy of cfg with defaults filled in, or an error
// naming the field that is wrong.
func (cfg *Config) withDefaults() (Config, error) {
	if cfg == nil || cfg.URL == "" {
		return Config{}, errors.New("leakhunt: Config.URL is required")
	}
	c := *cfg
	if c.ListenURL == "" {
		c.ListenURL = c.URL
	}
	defaults := []struct {
		field string
		value *int
		def   int
	}{{"Tenants", &c.Tenants, 8}, {"Clients", &c.Clients, 16}, {"Items", &c.Items, 20}, {"PoolConns", &c.PoolConns, 16}}
	for _, d := range defaults {
		if *d.value == 0 {
			*d.value = d.def
		}
		if *d.value < 0 {
			return Config{}, errors.New("leakhunt: Config." + d.field + " must not be negative")
		}
	}
	if c.Tenants < 2 {
		return Config{}, errors.New("leakhunt: Config.Tenants must be at least 2: a leak needs another tenant")
	}
	if c.Duration == 0 {
		c.Duration = 3 * time.Second
	}
	if c.Duration < 0 || c.Duration > MaxDuration {
		return Config{}, errors.New("leakhunt: Config.Duration must be from 0 to " + MaxDuration.String())
	}
	if c.Seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails on Linux
		c.Seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}
