package signup

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Limits bound how often Start mails anyone: each signup that queues a
// verification email counts, in public.signup_attempts, against the email
// address, the client it came from and all signups together; one more
// within Window past any limit is refused with a *ThrottledError instead
// of mailing again. The counters live in the database, so they hold across
// every server instance. A zero field takes its default; a negative one
// turns that limit off.
type Limits struct {
	// Window is how far back signups count. Default 1 hour.
	Window time.Duration
	// PerEmail is how many verification emails one address may be sent in
	// Window. Default 3.
	PerEmail int
	// PerClient is how many signups one client (Request.Client, the
	// visitor's IP address) may start in Window. Default 10. Requests
	// without a Client are not counted per client.
	PerClient int
	// Global is how many signups all visitors together may start in
	// Window: a cap on the mail the platform sends for strangers. Default
	// 200.
	Global int
}

// withDefaults fills in the zero fields.
func (l Limits) withDefaults() Limits {
	if l.Window <= 0 {
		l.Window = time.Hour
	}
	l.PerEmail = limitOr(l.PerEmail, 3)
	l.PerClient = limitOr(l.PerClient, 10)
	l.Global = limitOr(l.Global, 200)
	return l
}

func limitOr(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// ThrottledError refuses a signup over one of the Limits.
type ThrottledError struct {
	Scope      string        // "email", "client" or "global": the limit reached
	RetryAfter time.Duration // when the oldest counted signup leaves the window
}

func (e *ThrottledError) Error() string {
	what := map[string]string{
		"email":  "too many signups for this email address",
		"client": "too many signups from your address",
		"global": "too many signups on this platform right now",
	}[e.Scope]
	return fmt.Sprintf("%s: try again in %s", what, e.RetryAfter.Round(time.Second))
}

// limitsSQL counts the signups of the window for the email ($1), for the
// client ($2) and in all, each with the seconds until its oldest leaves the
// window ($3 seconds long).
const limitsSQL = `SELECT
		count(*) FILTER (WHERE email = $1),
		coalesce(extract(epoch FROM min(created_at) FILTER (WHERE email = $1) + make_interval(secs => $3) - now()), 0),
		count(*) FILTER (WHERE client = $2),
		coalesce(extract(epoch FROM min(created_at) FILTER (WHERE client = $2) + make_interval(secs => $3) - now()), 0),
		count(*),
		coalesce(extract(epoch FROM min(created_at) + make_interval(secs => $3) - now()), 0)
	FROM public.signup_attempts WHERE created_at > now() - make_interval(secs => $3)`

// checkLimits refuses a signup of email from client over any limit. It
// takes a transaction-level lock first, so that concurrent signups count
// one another and no limit is overshot: it serialises the short rest of
// Start's transaction, which has no network wait in it.
func (s *Service) checkLimits(ctx context.Context, tx pgx.Tx, email, client string) error {
	l := s.cfg.Limits
	if l.PerEmail < 0 && l.PerClient < 0 && l.Global < 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('tenantry.signup_limits', 0))"); err != nil {
		return fmt.Errorf("lock signup limits: %w", err)
	}
	var n [3]int
	var wait [3]float64
	err := tx.QueryRow(ctx, limitsSQL, email, client, l.Window.Seconds()).
		Scan(&n[0], &wait[0], &n[1], &wait[1], &n[2], &wait[2])
	if err != nil {
		return fmt.Errorf("count recent signups: %w", err)
	}
	var refused *ThrottledError
	for i, c := range []struct {
		scope string
		limit int
	}{{"email", l.PerEmail}, {"client", l.PerClient}, {"global", l.Global}} {
		if c.limit < 0 || n[i] < c.limit || (c.scope == "client" && client == "") {
			continue
		}
		retry := time.Duration(math.Max(wait[i], 1) * float64(time.Second))
		if refused == nil || retry > refused.RetryAfter {
			refused = &ThrottledError{Scope: c.scope, RetryAfter: retry}
		}
	}
	if refused != nil {
		return refused
	}
	return nil
}

// countAttempt records a signup that queues a verification email, and
// forgets a bounded batch of attempts older than the window.
func (s *Service) countAttempt(ctx context.Context, tx pgx.Tx, email, client string) error {
	_, err := tx.Exec(ctx, `WITH old AS (DELETE FROM public.signup_attempts WHERE id IN (
			SELECT id FROM public.signup_attempts WHERE created_at < now() - make_interval(secs => $3) LIMIT 100))
		INSERT INTO public.signup_attempts (email, client) VALUES ($1, $2)`, email, client, s.cfg.Limits.Window.Seconds())
	if err != nil {
		return fmt.Errorf("count signup of %s: %w", email, err)
	}
	return nil
}

// cleanClient makes a client address storable as text: valid UTF-8, no
// NUL, at most 64 bytes. It usually is one already (the connection's peer).
func cleanClient(client string) string {
	client = strings.ReplaceAll(strings.ToValidUTF8(client, "?"), "\x00", "")
	if len(client) > 64 {
		client = strings.ToValidUTF8(client[:64], "")
	}
	return client
}
