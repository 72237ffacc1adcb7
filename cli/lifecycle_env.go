package cli

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/domains"
)

// durationSetting reads the duration variable name: a Go duration (720h,
// 90m) or a number of days (30d); def when unset. A malformed or
// non-positive value is recorded in s.invalid.
func (a *app) durationSetting(s *settings, name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(a.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	}
	if err != nil || d <= 0 {
		if s.invalid == nil {
			s.invalid = usagef("%s=%q: must be a positive duration such as 30d, 720h or 90m", name, v)
		}
		return def
	}
	return d
}

// newDomains returns the domain service on pool, as the settings say:
// the base domain, the fallback domains reserved, TENANTRY_DNS_RESOLVER,
// and verification jobs queued through d's job client.
func (d *deps) newDomains(pool *pgxpool.Pool, log *slog.Logger) (*domains.Service, error) {
	s := d.settings
	svc, err := domains.New(pool, &domains.Config{BaseDomain: s.baseDomain, Reserved: s.fallback,
		Resolver: s.dnsResolver, Jobs: d.jobs.Client(), Logger: log})
	if err != nil {
		return nil, usagef("TENANTRY_BASE_DOMAIN / TENANTRY_FALLBACK_DOMAINS: %v", err)
	}
	return svc, nil
}
