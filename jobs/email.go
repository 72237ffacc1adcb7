package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/tenantdb"
)

// mailer sends the mail of the email and welcome jobs.
type mailer struct {
	sender mail.Sender
	logger *slog.Logger
}

// send delivers m for job. A permanent failure cancels the job; any other
// is returned for River to retry.
func (ml *mailer) send(ctx context.Context, job *rivertype.JobRow, m mail.Message) error {
	err := ml.sender.Send(ctx, m)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mail.ErrPermanent):
		ml.logger.WarnContext(ctx, "mail job cancelled: permanent failure", "job_id", job.ID, "kind", job.Kind,
			"subject", m.Subject, "err", err)
		return river.JobCancel(fmt.Errorf("send mail %q: %w", m.Subject, err))
	default:
		return fmt.Errorf("send mail %q (attempt %d of %d): %w", m.Subject, job.Attempt, job.MaxAttempts, err)
	}
}

type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	mailer  *mailer
	timeout time.Duration
}

// Work sends the message.
func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	return w.mailer.send(ctx, job.JobRow, job.Args.Message)
}

// Timeout returns Timeouts.Mail.
func (w *emailWorker) Timeout(*river.Job[EmailArgs]) time.Duration { return w.timeout }

type welcomeWorker struct {
	river.WorkerDefaults[WelcomeArgs]
	mailer  *mailer
	timeout time.Duration
}

// Work reads the user in a short tenant transaction and, once it has
// committed, welcomes them.
func (w *welcomeWorker) Work(ctx context.Context, job *river.Job[WelcomeArgs]) error {
	var u *auth.User
	err := InTenant(ctx, func(tx *tenantdb.Tx) (err error) {
		u, err = auth.GetUser(ctx, tx, job.Args.UserID)
		return err
	})
	t, _ := tenantry.FromContext(ctx)
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
		return river.JobCancel(fmt.Errorf("welcome user %d of tenant %s: %w", job.Args.UserID, t, err))
	case err != nil:
		return fmt.Errorf("welcome user %d of tenant %s: %w", job.Args.UserID, t, err)
	case !u.IsActive:
		return river.JobCancel(fmt.Errorf("welcome user %s of tenant %s: the user is inactive", u.Username, t))
	}
	return w.mailer.send(ctx, job.JobRow, welcomeMessage(t, u, job.Args.URL))
}

// Timeout returns Timeouts.Mail.
func (w *welcomeWorker) Timeout(*river.Job[WelcomeArgs]) time.Duration { return w.timeout }

func welcomeMessage(t *tenantry.Tenant, u *auth.User, url string) mail.Message {
	return mail.Message{
		To:      []string{u.Email},
		Subject: "Welcome to " + t.Name,
		Text: fmt.Sprintf("Hello %s,\n\nyour account at %s is ready. Sign in as %s at\n\n    %s\n",
			u.Username, t.Name, u.Username, url),
	}
}
