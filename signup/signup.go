package signup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/provision"
)

// Errors of Start and Verify. Each reads well as the message a user sees.
var (
	ErrInvalidToken    = errors.New("this verification link is not valid: check that it was copied whole, or sign up again")
	ErrTokenExpired    = errors.New("this verification link has expired: sign up again to get a new one")
	ErrTokenUsed       = errors.New("this verification link was already used: log in on your tenant's site instead")
	ErrEmailRegistered = errors.New("this email address is already registered: log in instead")
	ErrTenantInactive  = errors.New("the organisation your email domain belongs to is not active at the moment")
)

// Outcomes of a verified signup.
const (
	Created   = "created"   // a new tenant, with the signer-up as its owner
	Joined    = "joined"    // a member of the tenant that claimed the email domain (auto-join)
	Requested = "requested" // a join request the tenant's admins decide on
)

// Enqueuer inserts background jobs inside the caller's transaction, so a
// job exists exactly when the work that asked for it committed. The jobs
// package's *Jobs is one.
type Enqueuer interface {
	EnqueueEmail(ctx context.Context, tx pgx.Tx, m mail.Message) error
	EnqueueWelcome(ctx context.Context, tx pgx.Tx, tenantID, userID int64, url string) error
	EnqueueSeed(ctx context.Context, tx pgx.Tx, tenantID int64) error
}

// Config is what a Service needs. Pool, Provisioner and Jobs are required.
type Config struct {
	Pool        *pgxpool.Pool
	Provisioner *provision.Provisioner
	Jobs        Enqueuer
	// BaseURL is the platform's address as users reach it, e.g.
	// http://localhost:8000: verification links point there, and a
	// tenant's URL is the same with the tenant's domain as host. Required.
	BaseURL string
	// BaseDomain: a new tenant's domain is <slug>.<BaseDomain>. Default:
	// BaseURL's host name.
	BaseDomain string
	// StaticSchemas are names no tenant may take. Default none.
	StaticSchemas []string
	// MemberRole is the role of a user who joins a tenant through an
	// approved join request or auto-join. Default auth.RoleMember.
	MemberRole string
	// TTL is how long a verification link works. Default 24 hours.
	TTL time.Duration
	// RepeatWindow is how long after verifying the same link still answers
	// with the same outcome (a double click, a page reload) instead of
	// ErrTokenUsed. Default 10 minutes.
	RepeatWindow time.Duration
	// Limits bound how often Start mails anyone (429 through the API).
	// Defaults: 3 per address, 10 per client and 200 in all per hour.
	Limits Limits
	// Logger receives a line per signup started and verified. Default: discard.
	Logger *slog.Logger
}

// Service runs self-service signup. It is safe for concurrent use.
type Service struct {
	cfg  Config
	base *url.URL
	log  *slog.Logger
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Pool == nil || cfg.Provisioner == nil || cfg.Jobs == nil {
		return nil, errors.New("signup: Config.Pool, Config.Provisioner and Config.Jobs are required")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Hostname() == "" {
		return nil, fmt.Errorf("signup: BaseURL %q must be an http or https URL such as https://example.com", cfg.BaseURL)
	}
	if cfg.BaseDomain == "" {
		cfg.BaseDomain = base.Hostname()
	}
	// The base domain itself may be a single label (localhost); a tenant's
	// domain under it must be valid.
	cfg.BaseDomain = strings.ToLower(strings.TrimSuffix(cfg.BaseDomain, "."))
	if _, err := tenantry.ValidateDomain("t." + cfg.BaseDomain); err != nil {
		return nil, fmt.Errorf("signup: base domain %q cannot have tenants under it: %w", cfg.BaseDomain, err)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	if cfg.RepeatWindow <= 0 {
		cfg.RepeatWindow = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Limits = cfg.Limits.withDefaults()
	return &Service{cfg: cfg, base: base, log: cfg.Logger}, nil
}

// Request is what a visitor types on the signup form, and where it came
// from.
type Request struct {
	Email    string
	Password string
	Company  string
	// Client is the visitor's address (the connection's IP), counted
	// against Limits.PerClient; "" is not counted per client.
	Client string
}

// Pending is a stored signup waiting for its link to be followed.
type Pending struct {
	Email     string
	ExpiresAt time.Time
	// Token is the secret the verification email carries. Never show it
	// to whoever asked for the signup: proving they can read the mail is
	// the point.
	Token string
}

// MaxCompanyLen is the longest company name accepted, in characters.
const MaxCompanyLen = 200

// CompanyPattern is the rule of a company name's characters, as a regular
// expression in the common subset of RE2 and ECMA-262 (the API's schema
// declares it): no control characters (tab and newline included), and at
// least one character that is neither a space (of any script), ASCII
// punctuation or symbol, an invisible format character nor U+FFFD (what
// invalid UTF-8 decodes to). Letters and digits of any script, and emoji,
// qualify.
const CompanyPattern = `^[^\x00-\x1f\x7f-\x9f]*` + significantChar + `[^\x00-\x1f\x7f-\x9f]*$`

// significantChar is one character of CompanyPattern's "at least one". The
// characters above U+00FF are written as themselves: RE2 and ECMA-262 have
// no escape for them in common.
const significantChar = `[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\xa0\xad` +
	"\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff\ufffd" + `]`

var companyPattern = regexp.MustCompile(CompanyPattern)

// Validate normalises r (trimmed company, lower-case email) and checks it.
// The error is a *tenantry.ValidationError naming the field and the rule.
func (r *Request) Validate() error {
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.Company = strings.Join(strings.Fields(r.Company), " ")
	if err := auth.ValidateEmail(r.Email); err != nil {
		return err
	}
	switch n := utf8.RuneCountInString(r.Company); {
	case !utf8.ValidString(r.Company):
		return invalid("company", "", "must be valid UTF-8 text")
	case n == 0:
		return invalid("company", r.Company, "is required")
	case n > MaxCompanyLen:
		return invalid("company", "", fmt.Sprintf("must be at most %d characters", MaxCompanyLen))
	case strings.ContainsFunc(r.Company, unicode.IsControl):
		return invalid("company", "", "must not contain control characters")
	case !companyPattern.MatchString(r.Company):
		return invalid("company", r.Company, "must contain a letter or digit, not only spaces, punctuation or symbols")
	}
	return ValidatePassword(r.Password, r.Email, r.Company)
}

// ValidatePassword applies the signup's password rule: auth's length rule
// (8 to 256 characters), and not the email address, its local part or the
// company name, in any case.
func ValidatePassword(password, email, company string) error {
	if err := auth.ValidatePassword(password); err != nil {
		return err
	}
	local, _, _ := strings.Cut(email, "@")
	for _, obvious := range []string{email, local, company} {
		if obvious != "" && strings.EqualFold(strings.TrimSpace(password), obvious) {
			return invalid("password", "", "must not be your email address, its name part or the company name")
		}
	}
	return nil
}

// Start validates r, stores it as a pending signup (replacing an earlier
// pending one of the same email, whose link then stops working) and queues
// the verification email, all in one transaction. It returns
// ErrEmailRegistered when the address already completed a signup whose
// tenant still exists, and a *ThrottledError past one of the Limits.
func (s *Service) Start(ctx context.Context, r Request) (*Pending, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	token, tokenHash, err := newToken()
	if err != nil {
		return nil, err
	}
	_, domain, _ := strings.Cut(r.Email, "@")
	client := cleanClient(r.Client)
	p := &Pending{Email: r.Email, Token: token}
	err = pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		var registered bool
		if err := tx.QueryRow(ctx, registeredSQL, r.Email).Scan(&registered); err != nil {
			return fmt.Errorf("look up signups of %s: %w", r.Email, err)
		}
		if registered {
			return ErrEmailRegistered
		}
		if err := s.checkLimits(ctx, tx, r.Email, client); err != nil {
			return err
		}
		if err := s.countAttempt(ctx, tx, r.Email, client); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO public.signups (email, email_domain, company, password_hash, token_hash, expires_at)
			VALUES ($1, $2, $3, $4, $5, now() + $6::interval)
			ON CONFLICT (email) WHERE status = 'pending' DO UPDATE
			SET company = EXCLUDED.company, password_hash = EXCLUDED.password_hash, token_hash = EXCLUDED.token_hash,
			    created_at = now(), expires_at = EXCLUDED.expires_at
			RETURNING expires_at`,
			r.Email, domain, r.Company, hash, tokenHash, s.cfg.TTL.String()).Scan(&p.ExpiresAt)
		if err != nil {
			return fmt.Errorf("store signup of %s: %w", r.Email, err)
		}
		return s.cfg.Jobs.EnqueueEmail(ctx, tx, s.verificationMail(r, token))
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("signup started", "email_domain", domain)
	return p, nil
}

// registeredSQL asks whether an email already belongs to a user made by
// signup: a verified signup that created or joined a tenant that still
// exists, or an approved join request.
const registeredSQL = `SELECT EXISTS (SELECT FROM public.signups
		WHERE email = $1 AND status = 'verified' AND outcome IN ('created', 'joined') AND tenant_id IS NOT NULL)
	OR EXISTS (SELECT FROM public.join_requests WHERE email = $1 AND status = 'approved')`

// VerifyURL is the page a verification email links to.
func (s *Service) VerifyURL(token string) string {
	u := *s.base
	u.Path = "/signup/verify"
	u.RawQuery = url.Values{"token": {token}}.Encode()
	return u.String()
}

// TenantURL is the address of the tenant whose domain is domain: BaseURL
// with that host.
func (s *Service) TenantURL(domain string) string {
	u := url.URL{Scheme: s.base.Scheme, Host: domain, Path: "/"}
	if port := s.base.Port(); port != "" {
		u.Host = domain + ":" + port
	}
	return u.String()
}

// verificationSubject is the subject of every verification email. It is
// fixed: the company name is whatever a stranger typed, and a subject of
// their choosing would let anyone send any address a message that reads as
// the platform's.
const verificationSubject = "Confirm your email address"

func (s *Service) verificationMail(r Request, token string) mail.Message {
	link := s.VerifyURL(token)
	return mail.Message{
		To:      []string{r.Email},
		Subject: verificationSubject,
		Text: "Hello,\n\nSomeone, hopefully you, signed up with this address for an organisation they named\n\n    " +
			strconv.Quote(r.Company) + "\n\n" +
			"Follow this link within " + humanDuration(s.cfg.TTL) + " to confirm it and open your workspace:\n\n" +
			link + "\n\nIf it was not you, ignore this email: nothing happens without the link.\n",
	}
}

// newToken returns a random URL-safe token and the SHA-256 that is stored.
func newToken() (string, []byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("make verification token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// tokenHash checks a presented token's form and returns its SHA-256.
func tokenHash(token string) ([]byte, error) {
	if len(token) != 43 {
		return nil, ErrInvalidToken
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return nil, ErrInvalidToken
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:], nil
}

func humanDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		if h := int(d / time.Hour); h != 1 {
			return fmt.Sprintf("%d hours", h)
		}
		return "1 hour"
	}
	return d.String()
}

func invalid(field, value, reason string) error {
	return &tenantry.ValidationError{Field: field, Value: value, Reason: reason}
}

// retryable reports a conflict with a concurrent transaction that running
// the whole verification again resolves: a slug or domain taken meanwhile
// by a tenant made outside signup, a deadlock or a serialisation failure.
func retryable(err error) bool {
	code := pgerr.Code(err)
	return errors.Is(err, tenantry.ErrTenantExists) || errors.Is(err, tenantry.ErrDomainTaken) ||
		code == pgerr.UniqueViolation || code == "40001" || code == "40P01"
}

// memberRole is the role of users who join an existing tenant.
func (s *Service) memberRole() string {
	if s.cfg.MemberRole == "" {
		return auth.RoleMember
	}
	return s.cfg.MemberRole
}
