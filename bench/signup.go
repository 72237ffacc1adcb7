package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/migrate"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/registry"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
)

// signupBase is the base domain of the signup benchmark's server.
const signupBase = "bench.test"

// SignupResult is what Signup measured, for each way of provisioning: the
// verification request (which provisions the tenant and returns its
// tokens), the first authenticated request on the new tenant's host, and
// the two together.
type SignupResult struct {
	Tables int
	Modes  []SignupMode
}

// SignupMode is one provisioning path's figures.
type SignupMode struct {
	Name   string // "spare pool" or "cold"
	Verify Stats  // POST /api/signup/verify/ on the base domain
	First  Stats  // GET /api/profile/ on the tenant's host with the new token
	Total  Stats  // from sending the verification to the first answer
}

// Signup measures self-service signup end to end over HTTP on loopback:
// n verified signups through a spare pool (filled beforehand, not timed)
// and n without one, each followed by its first authenticated request. The
// signups are started (password hashed, link queued) before the clock
// runs; jobs are queued but not worked, as on a server whose workers run
// elsewhere.
func Signup(ctx context.Context, cfg *Config, n int) (res *SignupResult, err error) {
	n = orDefault(n, 20)
	s, err := start(ctx, cfg, 8)
	if err != nil {
		return nil, err
	}
	defer s.end(ctx, &err)
	set, err := appSet(s.cfg.Tables)
	if err != nil {
		return nil, err
	}
	res = &SignupResult{Tables: s.cfg.Tables}
	for _, mode := range []struct {
		name   string
		spares int
	}{{"spare pool", n}, {"cold", 0}} {
		m, err := s.measureSignups(ctx, set, mode.name, mode.spares, n)
		if err != nil {
			return nil, err
		}
		res.Modes = append(res.Modes, m)
	}
	res.print(s.cfg.Out)
	return res, nil
}

func (s *session) measureSignups(ctx context.Context, set *migrate.Set, name string, spares, n int) (SignupMode, error) {
	prov := provision.New(s.pool, &provision.Config{TenantMigrations: set, Spares: spares})
	if spares > 0 {
		s.cfg.Logger.Info("filling the spare pool", "spares", spares)
		if _, err := prov.Refill(ctx); err != nil {
			return SignupMode{}, err
		}
	}
	j, err := jobs.New(jobs.Config{Pool: s.pool, InsertOnly: true})
	if err != nil {
		return SignupMode{}, err
	}
	svc, err := signup.New(signup.Config{Pool: s.pool, Provisioner: prov, Jobs: j, BaseURL: "http://" + signupBase,
		Limits: signup.Limits{PerEmail: -1, PerClient: -1, Global: -1}}) // measuring, not guarding
	if err != nil {
		return SignupMode{}, err
	}
	addr, stop, err := s.serveSignup(ctx, svc)
	if err != nil {
		return SignupMode{}, err
	}
	defer stop()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr) // every host is this server
		}}}
	var verify, first, total []time.Duration
	for i := range n {
		p, err := svc.Start(ctx, signup.Request{Email: fmt.Sprintf("owner@%s-%d.example.com", strings.ReplaceAll(name, " ", ""), i),
			Password: "bench password", Company: fmt.Sprintf("Bench %s %d", name, i)})
		if err != nil {
			return SignupMode{}, err
		}
		began := time.Now()
		out, err := postVerify(ctx, client, p.Token)
		if err != nil {
			return SignupMode{}, err
		}
		verified := time.Now()
		if err := firstRequest(ctx, client, out); err != nil {
			return SignupMode{}, err
		}
		done := time.Now()
		verify, first, total = append(verify, verified.Sub(began)), append(first, done.Sub(verified)), append(total, done.Sub(began))
	}
	return SignupMode{Name: name, Verify: summarize(verify), First: summarize(first), Total: summarize(total)}, nil
}

// serveSignup runs the reference server with signup on a loopback port.
func (s *session) serveSignup(ctx context.Context, svc *signup.Service) (string, func(), error) {
	signer, err := auth.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		return "", nil, err
	}
	reg := registry.New(s.pool, nil)
	h, err := api.NewHandler(&api.Config{Pool: s.pool, Resolver: reg, DB: tenantdb.New(s.pool, nil), Signer: signer,
		FallbackDomains: []string{signupBase}, Signup: svc})
	if err != nil {
		return "", nil, err
	}
	return serveLoopback(h)
}

// verified is the part of the verification's answer the benchmark uses.
type verified struct {
	Tenant struct{ Domain string }
	Tokens struct{ Access string }
}

func postVerify(ctx context.Context, client *http.Client, token string) (*verified, error) {
	body, _ := json.Marshal(map[string]string{"token": token})
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+signupBase+"/api/signup/verify/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: verify: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v verified
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &v) != nil || v.Tokens.Access == "" {
		return nil, fmt.Errorf("bench: verify: %d %s", resp.StatusCode, b)
	}
	return &v, nil
}

func firstRequest(ctx context.Context, client *http.Client, v *verified) error {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+v.Tenant.Domain+"/api/profile/", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+v.Tokens.Access)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("bench: first request: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: first request on %s: %d %s", v.Tenant.Domain, resp.StatusCode, b)
	}
	return nil
}

func (r *SignupResult) print(out io.Writer) {
	fmt.Fprintf(out, "\nSignup end to end over HTTP: verify (provisions a %d-table tenant app, returns tokens), then the first authenticated GET /api/profile/\n", r.Tables)
	t := newTable(out)
	t.row("path", "verify p50", "verify p90", "first request p50", "total p50", "total p90", "n")
	for _, m := range r.Modes {
		t.row(m.Name, ms(m.Verify.P50), ms(m.Verify.P90), ms(m.First.P50), ms(m.Total.P50), ms(m.Total.P90), m.Total.N)
	}
	t.flush()
	fmt.Fprintln(out, "target: under a second of server time from signup to a working tenant")
}
