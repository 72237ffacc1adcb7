package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/tenantdb"
)

// receiptArgs asks for an item's receipt to be posted to an outside
// service. Embedding TenantArgs makes it a tenant job.
type receiptArgs struct {
	jobs.TenantArgs
	ItemID int64 `json:"item_id"`
}

func (receiptArgs) Kind() string { return "app.receipt" }

type receiptWorker struct {
	river.WorkerDefaults[receiptArgs]
}

// Work reads what it needs in one short tenant transaction, posts it with
// no transaction open, then records the outcome in another.
func (w *receiptWorker) Work(ctx context.Context, job *river.Job[receiptArgs]) error {
	var title string
	err := jobs.InTenant(ctx, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", job.Args.ItemID).Scan(&title)
	})
	if err != nil {
		return fmt.Errorf("read item %d: %w", job.Args.ItemID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://receipts.invalid/", strings.NewReader(title))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("post receipt of item %d: %w", job.Args.ItemID, err)
	}
	resp.Body.Close()
	return jobs.InTenant(ctx, func(tx *tenantdb.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE items SET description = 'receipt sent' WHERE id = $1", job.Args.ItemID)
		return err
	})
}

// Timeout bounds an attempt; River rescues a job left running by a dead
// process only after it.
func (w *receiptWorker) Timeout(*river.Job[receiptArgs]) time.Duration { return 30 * time.Second }

// A tenant job that waits on the network keeps no transaction open while
// it waits: it registers with AppWorker and uses InTenant for each piece
// of database work.
func ExampleInTenant() {
	cfg := jobs.Config{
		// Pool, DB, Mailer ...
		AppWorkers: []jobs.Registration{jobs.AppWorker[receiptArgs](&receiptWorker{})},
	}
	_ = cfg
}
