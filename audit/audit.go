// Package audit records security-relevant events in the append-only table
// public.audit_log and reads them back: logins and their failures, refused
// tokens, role changes, tenants created, suspended and deleted.
//
// Who acted and in which request travel in the context (WithActor,
// WithRequest), so that the library's own calls (provisioning, status
// changes) record the operator, the signup or the command line that asked
// for them. Row-level security lets a tenant's transaction read and add
// only its own tenant's events.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Actions recorded by Tenantry. Applications may record their own, of the
// same dotted lower-case form.
const (
	LoginSucceeded     = "auth.login_succeeded"
	LoginFailed        = "auth.login_failed"
	LoginThrottled     = "auth.login_throttled"
	RefreshReused      = "auth.refresh_reused" // a used refresh token came back: its login was revoked
	TokenRefused       = "auth.cross_tenant_token_refused"
	UserCreated        = "user.created"
	UserRoleChanged    = "user.role_changed"
	UserDeactivated    = "user.deactivated"
	UserDeleted        = "user.deleted"
	JoinApproved       = "join_request.approved"
	JoinRejected       = "join_request.rejected"
	TenantCreated      = "tenant.created"
	TenantSuspended    = "tenant.suspended"
	TenantActivated    = "tenant.activated"
	TenantTerminated   = "tenant.terminated"
	TenantDeleting     = "tenant.deleting" // a delete began: tenant.deleted follows when it ends
	TenantDeleted      = "tenant.deleted"
	TenantExported     = "tenant.exported"      // an export archive was written (export.Exporter)
	DataExported       = "tenant.data_exported" // an owner downloaded the tenant's data (GET /api/export)
	OperatorLoggedIn   = "operator.login_succeeded"
	OperatorLoginFails = "operator.login_failed"
)

// Kinds of actor.
const (
	ActorUser      = "user"      // a tenant's user
	ActorOperator  = "operator"  // a platform operator
	ActorSystem    = "system"    // the command line, a job, signup
	ActorAnonymous = "anonymous" // someone not (yet) authenticated
)

// Actor is who did something.
type Actor struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name"` // username, email, "cli:<os user>", "signup:<email>"
}

// Event is one entry to record.
type Event struct {
	TenantID int64 // 0: a platform event
	Action   string
	Target   string         // what was acted on: a user, a tenant
	Details  map[string]any // anything else worth keeping; no secrets
	// Actor overrides the context's actor when its Kind is set.
	Actor Actor
}

// Entry is a recorded event.
type Entry struct {
	ID        int64          `json:"id"`
	At        time.Time      `json:"at"`
	TenantID  *int64         `json:"tenant_id"`
	Actor     Actor          `json:"actor"`
	Action    string         `json:"action"`
	Target    string         `json:"target"`
	RequestID string         `json:"request_id"`
	Client    string         `json:"client"`
	Details   map[string]any `json:"details"`
}

type ctxKey int

const (
	actorKey ctxKey = iota
	requestKey
)

type request struct{ id, client string }

// WithActor returns ctx carrying who acts in it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns ctx's actor: the system when none was set.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem, Name: "system"}
}

// WithRequest returns ctx carrying the request's id and client address.
func WithRequest(ctx context.Context, id, client string) context.Context {
	return context.WithValue(ctx, requestKey, request{id: id, client: client})
}

// Execer is a pool, a connection or a transaction. In a tenant's
// transaction (role layer on) row-level security lets it record events of
// that tenant only.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Record appends e, with ctx's actor and request, to the audit log.
func Record(ctx context.Context, q Execer, e Event) error {
	a := ActorFrom(ctx)
	if e.Actor.Kind != "" {
		a = e.Actor
	}
	req, _ := ctx.Value(requestKey).(request)
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit %s: details: %w", e.Action, err)
	}
	var tenant, actorID *int64
	if e.TenantID != 0 {
		tenant = &e.TenantID
	}
	if a.ID != 0 {
		actorID = &a.ID
	}
	_, err = q.Exec(ctx, `INSERT INTO public.audit_log
		(tenant_id, actor_kind, actor_id, actor, action, target, request_id, client, details)
		VALUES ($1, $2, $3, left($4, 300), $5, left($6, 300), left($7, 100), left($8, 100), $9)`,
		tenant, a.Kind, actorID, a.Name, e.Action, e.Target, req.id, req.client, string(raw))
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Filter narrows List.
type Filter struct {
	TenantID int64  // only this tenant's events; 0: every event the querier may see
	Action   string // only this action; "" for all
	BeforeID int64  // only entries older than this id (paging); 0 for the newest
	Limit    int    // default 50, at most 500
}

// Querier is a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// List returns entries, newest first. Through a tenant's transaction,
// row-level security shows only that tenant's entries whatever f says.
func List(ctx context.Context, q Querier, f Filter) ([]Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	rows, err := q.Query(ctx, `SELECT id, at, tenant_id, actor_kind, coalesce(actor_id, 0), actor, action, target,
			request_id, client, details
		FROM public.audit_log
		WHERE ($1::bigint = 0 OR tenant_id = $1) AND ($2 = '' OR action = $2) AND ($3::bigint = 0 OR id < $3)
		ORDER BY id DESC LIMIT $4`, f.TenantID, f.Action, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.At, &e.TenantID, &e.Actor.Kind, &e.Actor.ID, &e.Actor.Name, &e.Action, &e.Target,
			&e.RequestID, &e.Client, &e.Details)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}
