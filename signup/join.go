package signup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/mail"
)

// Errors of the join-request and email-domain calls.
var (
	ErrRequestNotFound = errors.New("no such join request in this tenant")
	ErrRequestDecided  = errors.New("this join request has already been decided")
	ErrDomainNotFound  = errors.New("this tenant has not claimed that email domain")
)

// JoinRequest asks for a user in a tenant, from a verified signup whose
// email domain the tenant claimed.
type JoinRequest struct {
	ID        int64      `json:"id"`
	Email     string     `json:"email"`
	Status    string     `json:"status" enum:"pending,approved,rejected"`
	CreatedAt time.Time  `json:"created_at"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	DecidedBy *int64     `json:"decided_by,omitempty" doc:"the user who decided"`
	UserID    *int64     `json:"user_id,omitempty" doc:"the user made on approval"`
}

// EmailDomain is an email domain a tenant claimed.
type EmailDomain struct {
	Domain    string    `json:"domain"`
	AutoJoin  bool      `json:"auto_join" doc:"verified signups from this domain become members without asking"`
	CreatedAt time.Time `json:"created_at"`
}

const joinRequestColumns = "id, email, status, created_at, decided_at, decided_by, user_id"

func scanJoinRequest(row pgx.CollectableRow) (JoinRequest, error) {
	var j JoinRequest
	err := row.Scan(&j.ID, &j.Email, &j.Status, &j.CreatedAt, &j.DecidedAt, &j.DecidedBy, &j.UserID)
	return j, err
}

// JoinRequests lists t's join requests, pending first then newest first,
// optionally only those with status.
func (s *Service) JoinRequests(ctx context.Context, t *tenantry.Tenant, status string) ([]JoinRequest, error) {
	rows, err := s.cfg.Pool.Query(ctx, "SELECT "+joinRequestColumns+` FROM public.join_requests
		WHERE tenant_id = $1 AND ($2 = '' OR status = $2)
		ORDER BY status <> 'pending', id DESC LIMIT 500`, t.ID, status)
	if err != nil {
		return nil, fmt.Errorf("list join requests of %s: %w", t.Slug, err)
	}
	out, err := pgx.CollectRows(rows, scanJoinRequest)
	if err != nil {
		return nil, fmt.Errorf("list join requests of %s: %w", t.Slug, err)
	}
	return out, nil
}

// Decide approves or rejects t's pending join request id on behalf of the
// tenant's user actor (whose right to decide the caller has checked); the
// audit log records it with the context's actor (audit.WithActor). An
// approval creates the user as a member, with the password typed at
// signup, in the same transaction. Errors: ErrRequestNotFound,
// ErrRequestDecided, ErrEmailRegistered when the tenant already has a
// user with that email.
func (s *Service) Decide(ctx context.Context, t *tenantry.Tenant, id, actor int64, approve bool) (*JoinRequest, error) {
	var out JoinRequest
	err := pgx.BeginFunc(ctx, s.cfg.Pool, func(tx pgx.Tx) error {
		var hash string
		rows, err := tx.Query(ctx, "SELECT "+joinRequestColumns+`, password_hash FROM public.join_requests
			WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, t.ID, id)
		if err != nil {
			return fmt.Errorf("look up join request %d: %w", id, err)
		}
		out, err = pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (JoinRequest, error) {
			var j JoinRequest
			err := row.Scan(&j.ID, &j.Email, &j.Status, &j.CreatedAt, &j.DecidedAt, &j.DecidedBy, &j.UserID, &hash)
			return j, err
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrRequestNotFound
		}
		if err != nil {
			return fmt.Errorf("look up join request %d: %w", id, err)
		}
		if out.Status != "pending" {
			return ErrRequestDecided
		}
		status := "rejected"
		var userID *int64
		if approve {
			status = "approved"
			if err := enter(ctx, tx, t); err != nil {
				return err
			}
			u, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: username(out.Email), Email: out.Email,
				PasswordHash: hash, Role: s.memberRole()})
			if errors.Is(err, auth.ErrUserExists) {
				return ErrEmailRegistered
			}
			if err != nil {
				return err
			}
			userID = &u.ID
			if err := s.cfg.Jobs.EnqueueWelcome(ctx, tx, t.ID, u.ID, s.TenantURL(t.PrimaryDomain())); err != nil {
				return err
			}
		} else if err := s.cfg.Jobs.EnqueueEmail(ctx, tx, rejectedMail(out.Email, t)); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `UPDATE public.join_requests SET status = $3, decided_at = now(), decided_by = $4, user_id = $5
			WHERE tenant_id = $1 AND id = $2 RETURNING `+joinRequestColumns, t.ID, id, status, actor, userID)
		if err != nil {
			return fmt.Errorf("decide join request %d: %w", id, err)
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanJoinRequest)
		if err != nil {
			return fmt.Errorf("decide join request %d: %w", id, err)
		}
		action := audit.JoinRejected
		if approve {
			action = audit.JoinApproved
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: t.ID, Action: action, Target: out.Email,
			Details: map[string]any{"request": out.ID}})
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("join request decided", "tenant", t.Slug, "request", id, "status", out.Status)
	return &out, nil
}

// EmailDomains lists the email domains t claimed.
func (s *Service) EmailDomains(ctx context.Context, t *tenantry.Tenant) ([]EmailDomain, error) {
	rows, err := s.cfg.Pool.Query(ctx, `SELECT domain, auto_join, created_at FROM public.email_domains
		WHERE tenant_id = $1 ORDER BY domain`, t.ID)
	if err != nil {
		return nil, fmt.Errorf("list email domains of %s: %w", t.Slug, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[EmailDomain])
	if err != nil {
		return nil, fmt.Errorf("list email domains of %s: %w", t.Slug, err)
	}
	return out, nil
}

// SetAutoJoin turns auto-join on or off for one of t's email domains.
func (s *Service) SetAutoJoin(ctx context.Context, t *tenantry.Tenant, domain string, on bool) (*EmailDomain, error) {
	rows, err := s.cfg.Pool.Query(ctx, `UPDATE public.email_domains SET auto_join = $3
		WHERE tenant_id = $1 AND domain = lower($2) RETURNING domain, auto_join, created_at`, t.ID, domain, on)
	if err != nil {
		return nil, fmt.Errorf("set auto-join of %s: %w", domain, err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[EmailDomain])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrDomainNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("set auto-join of %s: %w", domain, err)
	}
	return &d, nil
}

func joinRequestMail(to []string, t *tenantry.Tenant, email, tenantURL string) mail.Message {
	return mail.Message{
		To:      to,
		Subject: email + " asks to join " + t.Name,
		Text: email + " signed up with an address of your organisation's email domain and asks to join " +
			t.Name + ".\n\nApprove or reject the request as an owner or admin: GET " + tenantURL +
			"api/join-requests/ lists requests, then POST .../{id}/approve/ or .../{id}/reject/.\n",
	}
}

func rejectedMail(to string, t *tenantry.Tenant) mail.Message {
	return mail.Message{
		To:      []string{to},
		Subject: "Your request to join " + t.Name,
		Text: "An administrator of " + t.Name + " declined your request to join.\n" +
			"If you think this is a mistake, ask them directly.\n",
	}
}
