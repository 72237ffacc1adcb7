package domains

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry"
)

// Config adjusts a Service. A nil *Config means the defaults.
type Config struct {
	// BaseDomain is the platform's domain: its subdomains are verified at
	// once; it and Reserved can belong to no tenant. Default localhost.
	BaseDomain string
	// Reserved are more names no tenant may take, such as the fallback
	// domains. Default www.<BaseDomain>.
	Reserved []string
	// Resolver is the DNS server ("host:port") that checks ask, for TXT
	// records and for the addresses of the HTTP check. Default: the
	// system's resolver.
	Resolver string
	// HTTPPort is the port the HTTP check connects to for http:// URLs.
	// Default 80; tests point it at a server of their own.
	HTTPPort int
	// AllowPrivateAddresses lets the HTTP check connect to loopback,
	// private and link-local addresses, which it otherwise refuses (a
	// domain pointed at them would make the server probe its own
	// network). Default false; tests set it.
	AllowPrivateAddresses bool
	// CheckTimeout bounds one check of a domain, DNS and HTTP together.
	// Default 10 seconds.
	CheckTimeout time.Duration
	// Jobs queues verification jobs for pending domains (a *river.Client
	// is one). Default nil: no job is queued, and pending domains are
	// checked only by Verify.
	Jobs Inserter
	// Logger receives check results. Default: discard.
	Logger *slog.Logger
}

// Inserter queues jobs in a transaction; *river.Client[pgx.Tx] is one.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobRetryTx(ctx context.Context, tx pgx.Tx, id int64) (*rivertype.JobRow, error)
}

// Service manages the domains of the tenants of one database. It is safe
// for concurrent use.
type Service struct {
	pool     *pgxpool.Pool
	cfg      Config
	reserved map[string]bool
	resolver *net.Resolver
}

// New returns a Service on pool. It fails, naming the field, on a base
// domain or reserved name that is not a valid domain.
func New(pool *pgxpool.Pool, cfg *Config) (*Service, error) {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	base, err := tenantry.NormalizeHost(cmp.Or(c.BaseDomain, "localhost"))
	if err != nil || tenantry.IsIPHost(base) {
		return nil, fmt.Errorf("domains config: BaseDomain %q is not a domain name", c.BaseDomain)
	}
	c.BaseDomain = base
	if c.Reserved == nil {
		c.Reserved = []string{"www." + base}
	}
	c.HTTPPort = cmp.Or(c.HTTPPort, 80)
	c.CheckTimeout = cmp.Or(c.CheckTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{pool: pool, cfg: c, reserved: map[string]bool{base: true}, resolver: newResolver(c.Resolver)}
	for i, r := range c.Reserved {
		h, err := tenantry.NormalizeHost(r)
		if err != nil {
			return nil, fmt.Errorf("domains config: Reserved[%d]: %w", i, err)
		}
		s.reserved[h] = true
	}
	return s, nil
}

// BaseDomain returns the platform's base domain.
func (s *Service) BaseDomain() string { return s.cfg.BaseDomain }

// name normalises a domain and refuses the platform's own.
func (s *Service) name(domain string) (string, error) {
	n, err := Normalize(domain)
	if err != nil {
		// A one-label base domain (localhost) fails Normalize: say why.
		n = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
		if n != s.cfg.BaseDomain && !s.reserved[n] {
			return "", err
		}
	}
	switch {
	case n == s.cfg.BaseDomain:
		return "", invalid(domain, "is the platform's base domain, which no tenant can have")
	case s.reserved[n]:
		return "", invalid(domain, "is one of the platform's own domains, which no tenant can have")
	case underBase(n, s.cfg.BaseDomain) && isInternational(n):
		return "", invalid(domain, "must be plain ASCII under the base domain "+s.cfg.BaseDomain+
			" (an international label there could imitate another tenant's)")
	}
	return n, nil
}

// inTx runs fn in a transaction on the pool.
func (s *Service) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// notFound wraps ErrNotFound with the domain and tenant.
func notFound(domain string, t *tenantry.Tenant) error {
	return fmt.Errorf("domain %s of tenant %s: %w", domain, t.Slug, ErrNotFound)
}
