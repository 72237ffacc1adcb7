package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/tenanttest"
)

var hello = mail.Message{To: []string{"ana@example.com"}, Subject: "Hello", Text: "Hello, Ana."}

func TestEmailIsSentOutsideAnyTenant(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	box := &outbox{}
	j := start(t, env, jobs.Config{Mailer: box})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueEmail(context.Background(), tx, hello) })
	if r := waitFinal(t, env, jobs.KindEmail, 0); r.State != "completed" || r.Attempt != 1 {
		t.Fatalf("email job = %+v, want completed at once", r)
	}
	calls, sent, tenants := box.snapshot()
	if calls != 1 || len(sent) != 1 || sent[0].Subject != "Hello" || sent[0].To[0] != "ana@example.com" {
		t.Errorf("sent %+v in %d calls, want the message once", sent, calls)
	}
	if tenants[0] != "" {
		t.Errorf("an email job ran with tenant %q in its context, want none", tenants[0])
	}
}

func TestPermanentMailFailureCancelsTheJob(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	box := &outbox{fail: func(int) error {
		return fmt.Errorf("550 mailbox unavailable: %w", mail.ErrPermanent)
	}}
	j := start(t, env, jobs.Config{Mailer: box})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueEmail(context.Background(), tx, hello) })
	r := waitFinal(t, env, jobs.KindEmail, 0)
	if r.State != "cancelled" || r.Attempt != 1 || !strings.Contains(r.Errors, "550 mailbox unavailable") {
		t.Errorf("email job = %+v, want cancelled after one attempt with the server's answer", r)
	}
	if calls, _, _ := box.snapshot(); calls != 1 {
		t.Errorf("Send was called %d times, want once", calls)
	}
}

func TestTemporaryMailFailureIsRetried(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	box := &outbox{fail: func(call int) error {
		if call == 1 {
			return errors.New("421 try again later")
		}
		return nil
	}}
	j := start(t, env, jobs.Config{Mailer: box})
	inTx(t, env, func(tx pgx.Tx) error { return j.EnqueueEmail(context.Background(), tx, hello) })
	r := waitFinal(t, env, jobs.KindEmail, 0)
	if r.State != "completed" || r.Attempt != 2 || !strings.Contains(r.Errors, "421 try again later") {
		t.Errorf("email job = %+v, want completed at attempt 2 after the recorded failure", r)
	}
	if calls, sent, _ := box.snapshot(); calls != 2 || len(sent) != 1 {
		t.Errorf("Send was called %d times and sent %d messages, want 2 and 1", calls, len(sent))
	}
}
