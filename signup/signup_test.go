package signup_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// fixture is a fresh database with a signup service whose jobs are queued
// (in River's table in public) but not worked: tests read the queued mail
// from there.
type fixture struct {
	env *tenanttest.Env
	svc *signup.Service
}

func setup(t *testing.T, opts *tenanttest.Options) *fixture {
	t.Helper()
	env := tenanttest.Setup(t, opts)
	j, err := jobs.New(jobs.Config{Pool: env.Pool, DB: env.DB, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := signup.New(signup.Config{Pool: env.Pool, Provisioner: env.Provisioner, Jobs: j,
		BaseURL: "http://example.test:8000"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{env: env, svc: svc}
}

// start signs up and returns the token, failing t on error.
func (f *fixture) start(t *testing.T, email, company string) string {
	t.Helper()
	p, err := f.svc.Start(context.Background(), signup.Request{Email: email, Password: "a long secret", Company: company})
	if err != nil {
		t.Fatalf("start %s: %v", email, err)
	}
	return p.Token
}

func (f *fixture) verify(t *testing.T, token string) *signup.Result {
	t.Helper()
	res, err := f.svc.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return res
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.env.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// queuedMail returns the messages of the queued email jobs to address.
func (f *fixture) queuedMail(t *testing.T, address string) []string {
	t.Helper()
	rows, err := f.env.Pool.Query(context.Background(),
		"SELECT args FROM public.river_job WHERE kind = $1 ORDER BY id", jobs.EmailArgs{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var args jobs.EmailArgs
		if err := rows.Scan(&args); err != nil {
			t.Fatal(err)
		}
		for _, to := range args.Message.To {
			if to == address {
				out = append(out, args.Message.Subject+"\n"+args.Message.Text)
			}
		}
	}
	return out
}

func TestStartRefusesBadInput(t *testing.T) {
	f := setup(t, nil)
	long := strings.Repeat("x", 201)
	cases := []struct {
		name, email, password, company, field, reason string
	}{
		{"malformed email", "not-an-email", "a long secret", "Acme", "email", "must be an address"},
		{"email with display name", "Ana <ana@acme.com>", "a long secret", "Acme", "email", "must be an address"},
		{"email without dot in domain", "ana@localhost", "a long secret", "Acme", "email", "must be an address"},
		{"short password", "ana@acme.com", "short", "Acme", "password", "at least 8 characters"},
		{"password is the email", "ana@acme.com", "ANA@acme.com", "Acme", "password", "must not be your email"},
		{"password is the name part", "anastasia@acme.com", "Anastasia", "Acme", "password", "must not be your email"},
		{"password is the company", "ana@acme.com", "acme corporation", "Acme Corporation", "password", "company name"},
		{"empty company", "ana@acme.com", "a long secret", "   ", "company", "is required"},
		{"punctuation-only company", "ana@acme.com", "a long secret", "!!! --- ???", "company", "must contain a letter or digit"},
		{"invisible company", "ana@acme.com", "a long secret", "\u200b\u00a0\ufeff", "company", "must contain a letter or digit"},
		{"company of 201 characters", "ana@acme.com", "a long secret", long, "company", "at most 200"},
		{"company of 300 characters", "ana@acme.com", "a long secret", strings.Repeat("é", 300), "company", "at most 200"},
		{"control characters", "ana@acme.com", "a long secret", "Acme\x00Corp", "company", "control characters"},
		{"invalid UTF-8", "ana@acme.com", "a long secret", "Acme\xff", "company", "UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Start(context.Background(), signup.Request{Email: c.email, Password: c.password, Company: c.company})
			var ve *tenantry.ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field || !strings.Contains(ve.Error(), c.reason) {
				t.Fatalf("Start = %v, want a validation error of %s saying %q", err, c.field, c.reason)
			}
		})
	}
	if n := f.count(t, "SELECT count(*) FROM public.signups"); n != 0 {
		t.Errorf("%d signups stored from bad input", n)
	}
	if n := f.count(t, "SELECT count(*) FROM public.river_job"); n != 0 {
		t.Errorf("%d jobs queued from bad input", n)
	}
}

func TestStartStoresPendingSignupAndQueuesTheLink(t *testing.T) {
	f := setup(t, nil)
	token := f.start(t, " Ana@Acme.COM ", "  Café   Zürich GmbH ")
	var email, company, domain string
	var storedHash []byte
	if err := f.env.Pool.QueryRow(context.Background(),
		"SELECT email, company, email_domain, token_hash FROM public.signups WHERE status = 'pending'").
		Scan(&email, &company, &domain, &storedHash); err != nil {
		t.Fatal(err)
	}
	if email != "ana@acme.com" || company != "Café Zürich GmbH" || domain != "acme.com" {
		t.Errorf("stored %q %q %q", email, company, domain)
	}
	if strings.Contains(string(storedHash), token) || len(storedHash) != 32 {
		t.Errorf("the token is stored in a form that could verify")
	}
	mails := f.queuedMail(t, "ana@acme.com")
	if len(mails) != 1 {
		t.Fatalf("%d mails queued, want 1", len(mails))
	}
	link := regexp.MustCompile(`http://example\.test:8000/signup/verify\?token=\S+`).FindString(mails[0])
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") != token {
		t.Fatalf("mail has no link with the token:\n%s", mails[0])
	}
}

func TestSigningUpAgainReplacesTheLink(t *testing.T) {
	f := setup(t, nil)
	first := f.start(t, "ana@acme.com", "Acme")
	second := f.start(t, "ana@acme.com", "Acme Corp")
	if _, err := f.svc.Verify(context.Background(), first); !errors.Is(err, signup.ErrInvalidToken) {
		t.Fatalf("first link after signing up again: %v, want ErrInvalidToken", err)
	}
	if res := f.verify(t, second); res.Tenant.Name != "Acme Corp" {
		t.Errorf("tenant named %q, want the second signup's company", res.Tenant.Name)
	}
}

func TestVerifyCreatesTheTenantWithItsOwner(t *testing.T) {
	for _, login := range []struct {
		name string
		opts *tenanttest.Options
	}{{"superuser", nil}, {"non-superuser", &tenanttest.Options{NonSuperuser: true}}} {
		t.Run(login.name, func(t *testing.T) {
			f := setup(t, login.opts)
			ctx := context.Background()
			res := f.verify(t, f.start(t, "ana@acme.com", "Café Zürich GmbH"))
			if res.Outcome != signup.Created || res.Tenant.Slug != "cafe_zurich_gmbh" ||
				res.Tenant.PrimaryDomain() != "cafe-zurich-gmbh.example.test" ||
				res.URL != "http://cafe-zurich-gmbh.example.test:8000/" || res.UserID == 0 {
				t.Fatalf("result %+v (tenant %+v)", res, res.Tenant)
			}
			err := f.env.DB.InTenant(ctx, res.Tenant, func(tx *tenantdb.Tx) error {
				u, err := auth.Authenticate(ctx, tx, "ana@acme.com", "a long secret", "test")
				if err != nil {
					return err
				}
				if u.ID != res.UserID || u.Role != auth.RoleOwner {
					t.Errorf("user %+v, want owner %d", u, res.UserID)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("owner cannot log in: %v", err)
			}
			if n := f.count(t, "SELECT count(*) FROM public.email_domains WHERE domain = 'acme.com' AND tenant_id = $1", res.Tenant.ID); n != 1 {
				t.Errorf("acme.com not claimed by the tenant")
			}
			for _, kind := range []string{jobs.SeedArgs{}.Kind(), jobs.WelcomeArgs{}.Kind()} {
				if n := f.count(t, "SELECT count(*) FROM public.river_job WHERE kind = $1 AND (args->>'tenant_id')::bigint = $2",
					kind, res.Tenant.ID); n != 1 {
					t.Errorf("%d %s jobs queued, want 1", n, kind)
				}
			}
		})
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	expired := f.start(t, "old@acme.com", "Acme")
	if _, err := f.env.Pool.Exec(ctx, "UPDATE public.signups SET expires_at = now() - interval '1 second' WHERE email = 'old@acme.com'"); err != nil {
		t.Fatal(err)
	}
	used := f.start(t, "ana@beta.com", "Beta")
	f.verify(t, used)
	if _, err := f.env.Pool.Exec(ctx, "UPDATE public.signups SET verified_at = now() - interval '11 minutes' WHERE email = 'ana@beta.com'"); err != nil {
		t.Fatal(err)
	}
	forged := strings.Repeat("A", 43)
	cases := []struct {
		name, token string
		want        error
	}{
		{"empty", "", signup.ErrInvalidToken},
		{"forged", forged, signup.ErrInvalidToken},
		{"too short", expired[:20], signup.ErrInvalidToken},
		{"too long", expired + "x", signup.ErrInvalidToken},
		{"not base64url", strings.Repeat("!", 43), signup.ErrInvalidToken},
		{"SQL", "' OR 1=1 --" + strings.Repeat("a", 32), signup.ErrInvalidToken},
		{"expired", expired, signup.ErrTokenExpired},
		{"used long ago", used, signup.ErrTokenUsed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := f.svc.Verify(ctx, c.token); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
	if n := f.count(t, "SELECT count(*) FROM public.tenants"); n != 1 {
		t.Errorf("%d tenants, want only beta's", n)
	}
}

func TestVerifyTwiceGivesTheSameTenant(t *testing.T) {
	f := setup(t, nil)
	token := f.start(t, "ana@acme.com", "Acme")
	const clicks = 6
	results := make([]*signup.Result, clicks)
	errs := make([]error, clicks)
	var wg sync.WaitGroup
	for i := range clicks {
		wg.Go(func() { results[i], errs[i] = f.svc.Verify(context.Background(), token) })
	}
	wg.Wait()
	repeated := 0
	for i := range clicks {
		if errs[i] != nil {
			t.Fatalf("click %d: %v", i, errs[i])
		}
		if results[i].Tenant.ID != results[0].Tenant.ID || results[i].UserID != results[0].UserID {
			t.Errorf("click %d gave tenant %d user %d, click 0 tenant %d user %d", i,
				results[i].Tenant.ID, results[i].UserID, results[0].Tenant.ID, results[0].UserID)
		}
		if results[i].Repeated {
			repeated++
		}
	}
	if repeated != clicks-1 {
		t.Errorf("%d answers marked repeated, want %d", repeated, clicks-1)
	}
	if n := f.count(t, "SELECT count(*) FROM public.tenants"); n != 1 {
		t.Errorf("%d tenants after %d clicks", n, clicks)
	}
}

func TestSameDomainAsksToJoin(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	first := f.verify(t, f.start(t, "ana@acme.com", "Acme"))
	second := f.verify(t, f.start(t, "bob@ACME.com", "Acme Inc"))
	if second.Outcome != signup.Requested || second.Tenant.ID != first.Tenant.ID || second.UserID != 0 || second.JoinRequestID == 0 {
		t.Fatalf("second signup: %+v", second)
	}
	if n := f.count(t, "SELECT count(*) FROM public.tenants"); n != 1 {
		t.Errorf("%d tenants, want 1", n)
	}
	if mails := f.queuedMail(t, "ana@acme.com"); len(mails) != 2 || !strings.Contains(mails[1], "bob@acme.com asks to join Acme") {
		t.Errorf("the owner was not told: %q", mails)
	}
	list, err := f.svc.JoinRequests(ctx, first.Tenant, "pending")
	if err != nil || len(list) != 1 || list[0].Email != "bob@acme.com" {
		t.Fatalf("join requests %+v, %v", list, err)
	}
	j, err := f.svc.Decide(ctx, first.Tenant, second.JoinRequestID, first.UserID, true)
	if err != nil || j.Status != "approved" || j.UserID == nil || j.DecidedBy == nil || *j.DecidedBy != first.UserID {
		t.Fatalf("approve: %+v, %v", j, err)
	}
	err = f.env.DB.InTenant(ctx, first.Tenant, func(tx *tenantdb.Tx) error {
		u, err := auth.Authenticate(ctx, tx, "bob@acme.com", "a long secret", "test")
		if err == nil && u.Role != auth.RoleMember {
			t.Errorf("approved user is %s, want member", u.Role)
		}
		return err
	})
	if err != nil {
		t.Fatalf("approved user cannot log in: %v", err)
	}
	if _, err := f.svc.Decide(ctx, first.Tenant, second.JoinRequestID, first.UserID, false); !errors.Is(err, signup.ErrRequestDecided) {
		t.Errorf("deciding twice: %v, want ErrRequestDecided", err)
	}
	// Another tenant cannot see or decide acme's requests.
	other := f.env.CreateTenant(t, "other")
	if _, err := f.svc.Decide(ctx, other, second.JoinRequestID, 1, true); !errors.Is(err, signup.ErrRequestNotFound) {
		t.Errorf("another tenant decided acme's request: %v", err)
	}
	if list, _ := f.svc.JoinRequests(ctx, other, ""); len(list) != 0 {
		t.Errorf("another tenant lists acme's requests: %+v", list)
	}
	// A rejected requester is told, and no user is made.
	carol := f.verify(t, f.start(t, "carol@acme.com", "Acme"))
	if j, err := f.svc.Decide(ctx, first.Tenant, carol.JoinRequestID, first.UserID, false); err != nil || j.Status != "rejected" || j.UserID != nil {
		t.Fatalf("reject: %+v, %v", j, err)
	}
	if mails := f.queuedMail(t, "carol@acme.com"); len(mails) != 2 || !strings.Contains(mails[1], "declined") {
		t.Errorf("carol was not told: %q", mails)
	}
}

func TestAutoJoin(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	first := f.verify(t, f.start(t, "ana@acme.com", "Acme"))
	if _, err := f.svc.SetAutoJoin(ctx, first.Tenant, "ACME.com", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetAutoJoin(ctx, first.Tenant, "gmail.com", true); !errors.Is(err, signup.ErrDomainNotFound) {
		t.Errorf("auto-join on an unclaimed domain: %v", err)
	}
	res := f.verify(t, f.start(t, "bob@acme.com", "whatever"))
	if res.Outcome != signup.Joined || res.Tenant.ID != first.Tenant.ID || res.UserID == 0 {
		t.Fatalf("auto-join: %+v", res)
	}
	if _, err := f.svc.Start(ctx, signup.Request{Email: "bob@acme.com", Password: "a long secret", Company: "Acme"}); !errors.Is(err, signup.ErrEmailRegistered) {
		t.Errorf("signing up again after joining: %v, want ErrEmailRegistered", err)
	}
}

func TestPublicMailDomainsNeverClaim(t *testing.T) {
	f := setup(t, nil)
	a := f.verify(t, f.start(t, "ana@gmail.com", "Acme"))
	b := f.verify(t, f.start(t, "bob@gmail.com", "Acme"))
	c := f.verify(t, f.start(t, "carol@eu.mailinator.com", "Acme"))
	if a.Outcome != signup.Created || b.Outcome != signup.Created || c.Outcome != signup.Created {
		t.Fatalf("outcomes %s %s %s, want three tenants", a.Outcome, b.Outcome, c.Outcome)
	}
	slugs := []string{a.Tenant.Slug, b.Tenant.Slug, c.Tenant.Slug}
	if strings.Join(slugs, " ") != "acme acme_2 acme_3" {
		t.Errorf("slugs %v", slugs)
	}
	if n := f.count(t, "SELECT count(*) FROM public.email_domains"); n != 0 {
		t.Errorf("%d email domains claimed from public mail", n)
	}
}

func TestHostileCompanyNames(t *testing.T) {
	f := setup(t, nil)
	cases := []struct{ company, slug string }{
		{"Robert'); DROP TABLE public.tenants; --", "robert_drop_table_public_tenants"},
		{"株式会社", "org"},
		{"123 Industries", "t_123_industries"},
		{"Public", "t_public"},
		{strings.Repeat("Very Long Name ", 13), "very_long_name_very_long_name_very_long_name_very_long"},
	}
	for i, c := range cases {
		res := f.verify(t, f.start(t, "user"+string(rune('a'+i))+"@gmail.com", c.company))
		if res.Tenant.Slug != c.slug {
			t.Errorf("%q became %q, want %q", c.company, res.Tenant.Slug, c.slug)
		}
		if res.Tenant.Name != strings.Join(strings.Fields(c.company), " ") {
			t.Errorf("name stored as %q", res.Tenant.Name)
		}
	}
}

func TestConcurrentSignupsOfOneCompany(t *testing.T) {
	f := setup(t, nil)
	// Three colleagues of one domain: one tenant and two join requests.
	// Three strangers with free mail and the same company name: three
	// tenants with distinct slugs.
	tokens := []string{
		f.start(t, "ana@acme.com", "Acme"), f.start(t, "bob@acme.com", "Acme"), f.start(t, "carol@acme.com", "Acme"),
		f.start(t, "x@gmail.com", "Zeta"), f.start(t, "y@gmail.com", "Zeta"), f.start(t, "z@gmail.com", "Zeta"),
	}
	results := make([]*signup.Result, len(tokens))
	errs := make([]error, len(tokens))
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Go(func() { results[i], errs[i] = f.svc.Verify(context.Background(), tok) })
	}
	wg.Wait()
	outcomes := map[string]int{}
	slugs := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("verify %d: %v", i, err)
		}
		outcomes[results[i].Outcome]++
		slugs[results[i].Tenant.Slug] = true
	}
	if outcomes[signup.Created] != 4 || outcomes[signup.Requested] != 2 {
		t.Errorf("outcomes %v, want 4 created and 2 requested", outcomes)
	}
	for _, s := range []string{"acme", "zeta", "zeta_2", "zeta_3"} {
		if !slugs[s] {
			t.Errorf("no tenant %s among %v", s, slugs)
		}
	}
	if n := f.count(t, "SELECT count(*) FROM public.tenants"); n != 4 {
		t.Errorf("%d tenants, want 4", n)
	}
}

// The queued jobs' arguments are JSON the worker can read back.
func TestQueuedJobsAreReadable(t *testing.T) {
	f := setup(t, nil)
	res := f.verify(t, f.start(t, "ana@acme.com", "Acme"))
	var raw []byte
	if err := f.env.Pool.QueryRow(context.Background(), "SELECT args FROM public.river_job WHERE kind = $1",
		jobs.WelcomeArgs{}.Kind()).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var args jobs.WelcomeArgs
	if err := json.Unmarshal(raw, &args); err != nil || args.TenantID != res.Tenant.ID || args.UserID != res.UserID || args.URL != res.URL {
		t.Errorf("welcome args %s: %+v, %v", raw, args, err)
	}
}
