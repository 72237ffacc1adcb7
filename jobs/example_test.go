package jobs_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/mail"
	"github.com/tenantry/tenantry/tenantdb"
)

// A worker process: seed hooks fill each new tenant inside its own
// transaction, and Stop lets running jobs finish.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres:///app")
	if err != nil {
		log.Fatal(err)
	}
	sender, err := mail.New(mail.Config{OutboxDir: "outbox"})
	if err != nil {
		log.Fatal(err)
	}
	j, err := jobs.New(jobs.Config{
		Pool:   pool,
		DB:     tenantdb.New(pool, nil),
		Mailer: sender,
		Seeds: []jobs.SeedFunc{func(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant) error {
			// Idempotent: a job may run more than once.
			_, err := tx.Exec(ctx, `INSERT INTO items (name)
				SELECT 'Welcome to '||$1 WHERE NOT EXISTS (SELECT FROM items)`, t.Name)
			return err
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := j.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer j.Stop(ctx)

	// Elsewhere, in the transaction that creates tenant 42 and its user 7:
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// ... create the tenant ...
		if err := j.EnqueueSeed(ctx, tx, 42); err != nil {
			return err
		}
		return j.EnqueueWelcome(ctx, tx, 42, 7, "https://acme.example.com/")
	})
	if err != nil {
		log.Fatal(err)
	}
}
