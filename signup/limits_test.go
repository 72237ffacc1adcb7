package signup_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/signup"
)

// limited is the fixture's database with a signup service under limits.
func (f *fixture) limited(t *testing.T, l signup.Limits) *signup.Service {
	t.Helper()
	j, err := jobs.New(jobs.Config{Pool: f.env.Pool, DB: f.env.DB, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := signup.New(signup.Config{Pool: f.env.Pool, Provisioner: f.env.Provisioner, Jobs: j,
		BaseURL: "http://example.test:8000", Limits: l})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestStartIsLimited: past each limit, Start refuses with the limit's
// scope and a wait, and mails nobody; other addresses, clients and, for
// the per-client and per-address limits, the rest of the platform go on.
func TestStartIsLimited(t *testing.T) {
	t.Parallel()
	const off = -1
	cases := []struct {
		name   string
		limits signup.Limits
		// request i of the run, all allowed but the last
		email, client func(i int) string
		scope         string
		other         signup.Request // still allowed after the refusal
	}{
		{"per address", signup.Limits{PerEmail: 3, PerClient: off, Global: off},
			func(int) string { return "ana@acme.test" }, func(i int) string { return fmt.Sprintf("10.0.0.%d", i) },
			"email", signup.Request{Email: "bob@acme.test", Client: "10.0.0.1"}},
		{"per client", signup.Limits{PerEmail: off, PerClient: 4, Global: off},
			func(i int) string { return fmt.Sprintf("victim%d@acme.test", i) }, func(int) string { return "203.0.113.9" },
			"client", signup.Request{Email: "victim0@acme.test", Client: "203.0.113.10"}},
		{"on the whole platform", signup.Limits{PerEmail: off, PerClient: off, Global: 5},
			func(i int) string { return fmt.Sprintf("user%d@acme.test", i) }, func(i int) string { return fmt.Sprintf("10.1.0.%d", i) },
			"global", signup.Request{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, nil)
			svc := f.limited(t, c.limits)
			start := func(email, client string) error {
				_, err := svc.Start(context.Background(), signup.Request{Email: email, Password: "a long secret",
					Company: "Acme", Client: client})
				return err
			}
			var err error
			n := 0
			for ; n < 10; n++ {
				if err = start(c.email(n), c.client(n)); err != nil {
					break
				}
			}
			var te *signup.ThrottledError
			if !errors.As(err, &te) || te.Scope != c.scope || te.RetryAfter <= 0 {
				t.Fatalf("signup %d: %v, want a ThrottledError of scope %s", n+1, err, c.scope)
			}
			if want := max(c.limits.PerEmail, c.limits.PerClient, c.limits.Global); n != want {
				t.Errorf("refused after %d signups, want %d", n, want)
			}
			if mails := f.queuedMail(t, c.email(n)); strings.Count(strings.Join(mails, ""), "/signup/verify") > n {
				t.Errorf("the refused signup was mailed")
			}
			if c.other.Email != "" {
				if err := start(c.other.Email, c.other.Client); err != nil {
					t.Errorf("another address or client: %v", err)
				}
			}
		})
	}
}

// Without a client, the per-client limit does not apply: a library caller
// that knows of no client is limited per address and in all only.
func TestStartWithoutClientIsNotLimitedPerClient(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	svc := f.limited(t, signup.Limits{PerClient: 1})
	for i := range 3 {
		if _, err := svc.Start(context.Background(), signup.Request{Email: fmt.Sprintf("u%d@acme.test", i),
			Password: "a long secret", Company: "Acme"}); err != nil {
			t.Fatalf("signup %d without a client: %v", i+1, err)
		}
	}
}

// TestVerificationMailKeepsTheCompanyOutOfTheSubject: the company name is
// whatever a stranger typed; the subject is the platform's own.
func TestVerificationMailKeepsTheCompanyOutOfTheSubject(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	const company = "You won a prize: claim it at prize.example.test"
	f.start(t, "ana@acme.test", company)
	mails := f.queuedMail(t, "ana@acme.test")
	if len(mails) != 1 {
		t.Fatalf("%d mails queued, want 1", len(mails))
	}
	subject, text, _ := strings.Cut(mails[0], "\n")
	if subject != "Confirm your email address" {
		t.Errorf("subject %q, want the fixed one", subject)
	}
	if !strings.Contains(text, `"`+company+`"`) {
		t.Errorf("the text does not quote the name the visitor gave:\n%s", text)
	}
}
