package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// stuckSender is a mail.Sender whose Send says it has been called and
// waits for release or for its context to end.
type stuckSender struct {
	called  chan struct{}
	release chan struct{}
}

func (s *stuckSender) Send(ctx context.Context, m mail.Message) error {
	s.called <- struct{}{}
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// The welcome job reads its user in a transaction that has committed by
// the time it talks to the mail server: while the mail waits, no session
// of the database sits in a transaction.
func TestWelcomeHoldsNoTransactionWhileSending(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	ctx := context.Background()
	alpha := env.CreateTenant(t, "alpha")
	sender := &stuckSender{called: make(chan struct{}, 1), release: make(chan struct{})}
	j := start(t, env, jobs.Config{Mailer: sender})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueWelcome(ctx, tx, alpha.ID, 1, "https://alpha.test/") })
	select {
	case <-sender.called:
	case <-time.After(waitLimit):
		t.Fatal("the welcome job did not reach the mail server")
	}
	if idle := tenanttest.IdleInTransaction(t, env.Pool); len(idle) != 0 {
		t.Errorf("sessions idle in a transaction while the mail waits: %q", idle)
	}
	if r, _ := lastJob(t, env, jobs.KindWelcome, alpha.ID); r.State != "running" {
		t.Errorf("welcome job while its mail waits = %+v, want running", r)
	}
	close(sender.release)
	if r := waitFinal(t, env, jobs.KindWelcome, alpha.ID); r.State != "completed" {
		t.Errorf("welcome job = %+v, want completed", r)
	}
}

func TestInTenantOutsideATenantJobFails(t *testing.T) {
	t.Parallel()
	called := false
	err := jobs.InTenant(context.Background(), func(*tenantdb.Tx) error { called = true; return nil })
	if !errors.Is(err, tenantry.ErrNoTenant) || called {
		t.Errorf("InTenant outside a tenant job = %v (function called: %v), want ErrNoTenant and no call", err, called)
	}
}
