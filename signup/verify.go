package signup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
)

// Result is what following a verification link did.
type Result struct {
	Outcome string           // Created, Joined or Requested
	Tenant  *tenantry.Tenant // the tenant made, joined or asked to join
	URL     string           // the tenant's address
	// UserID is the signer-up's user in Tenant; 0 for Requested, where no
	// user exists until an admin approves.
	UserID        int64
	JoinRequestID int64 // for Requested
	// Repeated is true when the link had been followed already, moments
	// ago, and this is the same outcome again.
	Repeated bool
}

// maxAttempts bounds how often Verify reruns its transaction after losing
// a race it can resolve by starting over.
const maxAttempts = 4

// Verify follows a verification link: in one transaction, it creates the
// tenant (or the user, or the join request) and marks the signup verified.
// A crash or an error at any point leaves the signup pending and the link
// working, with nothing half made; following it again within RepeatWindow
// gives the same Result.
//
// Errors: ErrInvalidToken, ErrTokenExpired, ErrTokenUsed,
// ErrEmailRegistered, ErrTenantInactive.
func (s *Service) Verify(ctx context.Context, token string) (*Result, error) {
	hash, err := tokenHash(token)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		var res *Result
		err := pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
			var err error
			res, err = s.verify(ctx, tx, hash)
			return err
		})
		if err == nil {
			if !res.Repeated {
				s.log.Info("signup verified", "outcome", res.Outcome, "tenant", res.Tenant.Slug)
			}
			return res, nil
		}
		if attempt == maxAttempts || !retryable(err) || ctx.Err() != nil {
			return nil, err
		}
		s.log.Debug("signup verification raced, trying again", "attempt", attempt, "err", err)
	}
}

// pending is a signups row.
type pending struct {
	id           int64
	email        string
	domain       string
	company      string
	passwordHash string
	status       string
	expiresAt    time.Time
	verifiedAt   *time.Time
	outcome      *string
	tenantID     *int64
	userID       *int64
	now          time.Time
}

func (s *Service) verify(ctx context.Context, tx pgx.Tx, hash []byte) (*Result, error) {
	var p pending
	err := tx.QueryRow(ctx, `SELECT id, email, email_domain, company, password_hash, status, expires_at,
			verified_at, outcome, tenant_id, user_id, now()
		FROM public.signups WHERE token_hash = $1 FOR UPDATE`, hash).
		Scan(&p.id, &p.email, &p.domain, &p.company, &p.passwordHash, &p.status, &p.expiresAt,
			&p.verifiedAt, &p.outcome, &p.tenantID, &p.userID, &p.now)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("look up signup: %w", err)
	}
	if p.status == "verified" {
		return s.repeat(ctx, tx, &p)
	}
	if !p.now.Before(p.expiresAt) {
		return nil, ErrTokenExpired
	}
	ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ActorAnonymous, Name: "signup:" + p.email})
	var registered bool
	if err := tx.QueryRow(ctx, registeredSQL, p.email).Scan(&registered); err != nil {
		return nil, fmt.Errorf("look up signups of %s: %w", p.email, err)
	}
	if registered {
		return nil, ErrEmailRegistered
	}
	res, err := s.place(ctx, tx, &p)
	if err != nil {
		return nil, err
	}
	var userID *int64
	if res.UserID != 0 {
		userID = &res.UserID
	}
	if _, err := tx.Exec(ctx, `UPDATE public.signups
		SET status = 'verified', verified_at = now(), outcome = $2, tenant_id = $3, user_id = $4 WHERE id = $1`,
		p.id, res.Outcome, res.Tenant.ID, userID); err != nil {
		return nil, fmt.Errorf("mark signup of %s verified: %w", p.email, err)
	}
	return res, nil
}

// repeat answers a link followed again: the same outcome within the
// repeat window, ErrTokenUsed after it or when the tenant is gone.
func (s *Service) repeat(ctx context.Context, tx pgx.Tx, p *pending) (*Result, error) {
	if p.verifiedAt == nil || p.now.Sub(*p.verifiedAt) > s.cfg.RepeatWindow || p.tenantID == nil || p.outcome == nil {
		return nil, ErrTokenUsed
	}
	t, err := registry.Find(ctx, tx, fmt.Sprint(*p.tenantID))
	if errors.Is(err, tenantry.ErrTenantNotFound) {
		return nil, ErrTokenUsed
	}
	if err != nil {
		return nil, err
	}
	res := &Result{Outcome: *p.outcome, Tenant: t, URL: s.TenantURL(t.PrimaryDomain()), Repeated: true}
	if p.userID != nil {
		res.UserID = *p.userID
	}
	if res.Outcome == Requested {
		if err := tx.QueryRow(ctx, `SELECT id FROM public.join_requests WHERE tenant_id = $1 AND email = $2
			ORDER BY id DESC LIMIT 1`, t.ID, p.email).Scan(&res.JoinRequestID); err != nil {
			return nil, fmt.Errorf("find join request of %s: %w", p.email, err)
		}
	}
	return res, nil
}

// place decides where the signer-up goes: into the tenant that claimed
// their email domain, or into a new tenant.
func (s *Service) place(ctx context.Context, tx pgx.Tx, p *pending) (*Result, error) {
	public := IsPublicMailDomain(p.domain)
	if !public {
		// One verification per email domain at a time: the second of two
		// colleagues verifying together sees the first one's tenant.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('tenantry.email_domain:' || $1, 0))",
			p.domain); err != nil {
			return nil, fmt.Errorf("lock email domain %s: %w", p.domain, err)
		}
		var tenantID int64
		var autoJoin bool
		err := tx.QueryRow(ctx, "SELECT tenant_id, auto_join FROM public.email_domains WHERE domain = $1",
			p.domain).Scan(&tenantID, &autoJoin)
		switch {
		case err == nil:
			return s.join(ctx, tx, p, tenantID, autoJoin)
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, fmt.Errorf("look up email domain %s: %w", p.domain, err)
		}
	}
	res, err := s.create(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	if !public {
		if _, err := tx.Exec(ctx, "INSERT INTO public.email_domains (domain, tenant_id) VALUES ($1, $2)",
			p.domain, res.Tenant.ID); err != nil {
			return nil, fmt.Errorf("claim email domain %s: %w", p.domain, err)
		}
	}
	return res, nil
}

// create provisions the signup's tenant with its owner and queues its
// seed data and the welcome email.
func (s *Service) create(ctx context.Context, tx pgx.Tx, p *pending) (*Result, error) {
	slug, domain, err := s.freeSlug(ctx, tx, p.company)
	if err != nil {
		return nil, err
	}
	t, err := s.cfg.Provisioner.CreateTx(ctx, tx, provision.Request{
		Slug: slug, Name: p.company, Domain: domain,
		Admin: &provision.Admin{Username: username(p.email), Email: p.email, PasswordHash: p.passwordHash}, // the provisioner's owner role
	})
	if err != nil {
		return nil, err
	}
	uid, err := userID(ctx, tx, t, p.email)
	if err != nil {
		return nil, err
	}
	res := &Result{Outcome: Created, Tenant: t, URL: s.TenantURL(t.PrimaryDomain()), UserID: uid}
	if err := s.cfg.Jobs.EnqueueSeed(ctx, tx, t.ID); err != nil {
		return nil, err
	}
	return res, s.cfg.Jobs.EnqueueWelcome(ctx, tx, t.ID, uid, res.URL)
}

// join adds the signer-up to the tenant that claimed their email domain:
// as a member at once with auto-join, else as a join request.
func (s *Service) join(ctx context.Context, tx pgx.Tx, p *pending, tenantID int64, autoJoin bool) (*Result, error) {
	t, err := registry.Find(ctx, tx, fmt.Sprint(tenantID))
	if err != nil {
		return nil, err
	}
	if t.Status != tenantry.StatusActive {
		return nil, ErrTenantInactive
	}
	res := &Result{Tenant: t, URL: s.TenantURL(t.PrimaryDomain())}
	if !autoJoin {
		res.Outcome = Requested
		err := tx.QueryRow(ctx, `INSERT INTO public.join_requests (tenant_id, email, password_hash) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id, email) WHERE status = 'pending' DO UPDATE SET password_hash = EXCLUDED.password_hash
			RETURNING id`, t.ID, p.email, p.passwordHash).Scan(&res.JoinRequestID)
		if err != nil {
			return nil, fmt.Errorf("ask to join %s: %w", t.Slug, err)
		}
		return res, s.notifyAdmins(ctx, tx, t, p.email, res.URL)
	}
	res.Outcome = Joined
	if err := enter(ctx, tx, t); err != nil {
		return nil, err
	}
	u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: username(p.email), Email: p.email,
		PasswordHash: p.passwordHash, Role: s.memberRole()})
	if errors.Is(err, auth.ErrUserExists) {
		return nil, ErrEmailRegistered
	}
	if err != nil {
		return nil, err
	}
	res.UserID = u.ID
	return res, s.cfg.Jobs.EnqueueWelcome(ctx, tx, t.ID, u.ID, res.URL)
}

// freeSlug picks the slug and domain of a new tenant named company: the
// transliterated name, or with _2, _3... when the slug, its schema or its
// domain is taken; the domain is the slug with - for _ under the base
// domain. A name with no Latin letters or digits (日本酒, for
// example) becomes "org". A lock per base slug makes concurrent signups of
// the same name take turns, so each sees the other's tenant.
func (s *Service) freeSlug(ctx context.Context, tx pgx.Tx, company string) (string, string, error) {
	base, err := tenantry.Slugify(company)
	if err != nil {
		base = "org"
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('tenantry.slug:' || $1, 0))", base); err != nil {
		return "", "", fmt.Errorf("lock slug %s: %w", base, err)
	}
	for n := 1; n < 10000; n++ {
		slug := base
		if n > 1 {
			slug = tenantry.WithSuffix(base, n)
		}
		if tenantry.ValidateSlug(slug, s.cfg.StaticSchemas...) != nil {
			continue
		}
		// Host names have no _: cafe_zurich gets cafe-zurich.<base>.
		domain := strings.ReplaceAll(slug, "_", "-") + "." + s.cfg.BaseDomain
		if _, err := tenantry.ValidateDomain(domain); err != nil {
			return "", "", fmt.Errorf("domain for %q: %w", company, err)
		}
		var taken bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM public.tenants WHERE slug = $1 OR schema_name = $2)
			OR EXISTS (SELECT FROM public.domains WHERE domain = $3)
			OR EXISTS (SELECT FROM pg_namespace WHERE nspname = $2)`,
			slug, tenantry.SchemaName(slug), domain).Scan(&taken)
		if err != nil {
			return "", "", fmt.Errorf("check slug %s: %w", slug, err)
		}
		if !taken {
			return slug, domain, nil
		}
	}
	return "", "", fmt.Errorf("no free slug for %q: %w", company, tenantry.ErrTenantExists)
}

// notifyAdmins queues an email to the tenant's active owners and admins
// about a join request.
func (s *Service) notifyAdmins(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, email, tenantURL string) error {
	rows, err := tx.Query(ctx, "SELECT email FROM "+sqlquote.Ident(t.SchemaName)+
		".users WHERE is_active AND role IN ('owner', 'admin') ORDER BY id LIMIT 50")
	if err != nil {
		return fmt.Errorf("list admins of %s: %w", t.Slug, err)
	}
	to, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list admins of %s: %w", t.Slug, err)
	}
	if len(to) == 0 {
		return nil
	}
	return s.cfg.Jobs.EnqueueEmail(ctx, tx, joinRequestMail(to, t, email, tenantURL))
}

// enter points tx's unqualified names at t's schema for the rest of the
// transaction. The transaction keeps the login role: it is platform work
// that spans public and the tenant, like provisioning.
func enter(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant) error {
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true), set_config('tenantry.tenant_id', $2, true)",
		sqlquote.Ident(t.SchemaName), fmt.Sprint(t.ID)); err != nil {
		return fmt.Errorf("enter tenant %s: %w", t.Slug, err)
	}
	return nil
}

// userID returns the id of the user with email in t.
func userID(ctx context.Context, tx pgx.Tx, t *tenantry.Tenant, email string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM "+sqlquote.Ident(t.SchemaName)+".users WHERE lower(email) = $1", email).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("find user %s in %s: %w", email, t.Slug, err)
	}
	return id, nil
}

// username is the username a signup's user gets: the email address, which
// is unique in the tenant and is what they will type, or, when it has
// characters usernames may not, its cleaned-up name part.
func username(email string) string {
	if validUsername(email) {
		return email
	}
	local, _, _ := strings.Cut(email, "@")
	clean := strings.Map(func(r rune) rune {
		if r < 128 && validUsername(string(r)) {
			return r
		}
		return '_'
	}, local)
	return clean[:min(len(clean), maxUsernameLen)] // ASCII by now
}

// maxUsernameLen is auth's limit on a username's length.
const maxUsernameLen = 150

func validUsername(s string) bool {
	u := auth.NewUser{Username: s, Email: "a@b.co"}
	return u.Validate() == nil
}
