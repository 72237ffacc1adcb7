package audit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/internal/pgerr"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// TestRowLevelSecurity shows the third layer of isolation with the
// application logging in as it should in production (not a superuser):
// inside a tenant's transaction, the shared tables that hold per-tenant
// rows show and accept only that tenant's rows, whatever the query says.
func TestRowLevelSecurity(t *testing.T) {
	for _, mode := range []struct {
		name         string
		disableRoles bool
	}{{"tenant roles", false}, {"roles off", true}} {
		t.Run(mode.name, func(t *testing.T) {
			ctx := context.Background()
			env := tenanttest.Setup(t, &tenanttest.Options{NonSuperuser: true})
			env.DB = tenantdb.New(env.Pool, &tenantdb.Config{DisableRoles: mode.disableRoles})
			env.Provisioner = provision.New(env.Pool, &provision.Config{DisableRoles: mode.disableRoles})
			alpha, beta := env.CreateTenant(t, "alpha"), env.CreateTenant(t, "beta")
			for _, ten := range []struct {
				id     int64
				domain string
			}{{alpha.ID, "alpha-mail.test"}, {beta.ID, "beta-mail.test"}} {
				if _, err := env.Pool.Exec(ctx, "INSERT INTO public.email_domains (domain, tenant_id) VALUES ($1, $2)",
					ten.domain, ten.id); err != nil {
					t.Fatal(err)
				}
				if _, err := env.Pool.Exec(ctx, "INSERT INTO public.join_requests (tenant_id, email, password_hash) VALUES ($1, $2, 'h')",
					ten.id, "x@"+ten.domain); err != nil {
					t.Fatal(err)
				}
			}
			var platformRows int
			if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM public.audit_log").Scan(&platformRows); err != nil || platformRows != 2 {
				t.Fatalf("outside a tenant the login role sees %d audit rows (%v), want both tenants' 2", platformRows, err)
			}
			err := env.DB.InTenant(ctx, alpha, func(tx *tenantdb.Tx) error {
				for _, table := range []string{"audit_log", "email_domains", "join_requests"} {
					var own, foreign int
					err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE tenant_id = $1), count(*) FILTER (WHERE tenant_id <> $1)
						FROM public.`+table, alpha.ID).Scan(&own, &foreign)
					if err != nil {
						return err
					}
					if own != 1 || foreign != 0 {
						t.Errorf("%s in alpha's transaction: %d own rows, %d foreign; want 1 and 0", table, own, foreign)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// Adding a row of another tenant is refused.
			err = env.DB.InTenant(ctx, alpha, func(tx *tenantdb.Tx) error {
				return audit.Record(ctx, tx, audit.Event{TenantID: beta.ID, Action: "test.forged"})
			})
			if pgerr.Code(err) != pgerr.InsufficientPrivilege {
				t.Errorf("alpha recording beta's event: %v, want 42501", err)
			}
			// Its own is accepted, and it may read the signups of no one.
			err = env.DB.InTenant(ctx, alpha, func(tx *tenantdb.Tx) error {
				return audit.Record(ctx, tx, audit.Event{TenantID: alpha.ID, Action: "test.own"})
			})
			if err != nil {
				t.Errorf("alpha recording its own event: %v", err)
			}
			if !mode.disableRoles {
				err = env.DB.InTenant(ctx, alpha, func(tx *tenantdb.Tx) error {
					_, err := tx.Exec(ctx, "SELECT count(*) FROM public.signups")
					return err
				})
				if pgerr.Code(err) != pgerr.InsufficientPrivilege {
					t.Errorf("alpha reading signups: %v, want 42501", err)
				}
				// The second layer: another tenant's table, named outright.
				err = env.DB.InTenant(ctx, alpha, func(tx *tenantdb.Tx) error {
					_, err := tx.Exec(ctx, "SELECT * FROM tenant_beta.items")
					return err
				})
				if pgerr.Code(err) != pgerr.InsufficientPrivilege {
					t.Errorf("alpha reading tenant_beta.items: %v, want 42501", err)
				}
			}
		})
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	env := tenanttest.Setup(t, &tenanttest.Options{NonSuperuser: true})
	actx := audit.WithRequest(audit.WithActor(ctx, audit.Actor{Kind: audit.ActorOperator, ID: 7, Name: "root"}), "req-1", "192.0.2.1")
	if err := audit.Record(actx, env.Pool, audit.Event{Action: "test.event", Target: "x", Details: map[string]any{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{"UPDATE public.audit_log SET target = 'y'", "DELETE FROM public.audit_log", "TRUNCATE public.audit_log"} {
		_, err := env.Pool.Exec(ctx, sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != pgerr.InsufficientPrivilege {
			t.Errorf("%s: %v, want refused", sql, err)
		}
	}
	got, err := audit.List(ctx, env.Pool, audit.Filter{Action: "test.event"})
	if err != nil || len(got) != 1 {
		t.Fatalf("List: %+v, %v", got, err)
	}
	e := got[0]
	if e.Actor != (audit.Actor{Kind: audit.ActorOperator, ID: 7, Name: "root"}) || e.RequestID != "req-1" || e.Client != "192.0.2.1" ||
		e.Target != "x" || e.TenantID != nil || e.Details["n"] != float64(1) {
		t.Errorf("entry %+v", e)
	}
}
