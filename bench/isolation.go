package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlquote"
	"github.com/tenantry/tenantry/tenantdb"
)

// IsolationResult compares the items query run bare on the pool with the
// same query inside an isolated tenant transaction: pipelined (BEGIN, the
// binding, the query and COMMIT in one round trip: the API's read path) and
// interactive (InTenant: a round trip for each).
type IsolationResult struct {
	Plain, Isolated, Interactive Rate
}

// Rate is a query's throughput and median latency.
type Rate struct {
	Ops     int
	Elapsed time.Duration
	P50     time.Duration
}

// PerSecond is the rate's operations per second.
func (r Rate) PerSecond() float64 { return perSecond(r.Ops, r.Elapsed) }

// Overhead is how much slower the isolated query is, in percent of
// throughput.
func (r IsolationResult) Overhead() float64 {
	if r.Isolated.PerSecond() == 0 {
		return 0
	}
	return (r.Plain.PerSecond()/r.Isolated.PerSecond() - 1) * 100
}

// IsolationTarget is the most the pipelined tenant transaction may cost
// over the same query unisolated, in percent of throughput.
const IsolationTarget = 30.0

// isolationRounds is the number of slices each form's time is cut into,
// the forms taking turns, so that drift of a shared machine falls on all.
const isolationRounds = 6

// isolationWorkers is the concurrency of the comparison: enough to keep
// PostgreSQL's two cores busy.
const isolationWorkers = 4

const itemsPage = `SELECT id, name, description, created_by, created_at, updated_at FROM %s
	ORDER BY created_at DESC, id DESC LIMIT 20`

// measureIsolation runs the items page query for d in each form, in
// isolationRounds slices, the forms taking turns, so that drift of the
// machine falls on all of them. Each form runs once, untimed, first, so
// that every connection has prepared its statements.
func measureIsolation(ctx context.Context, pool *pgxpool.Pool, t *tenantry.Tenant, d time.Duration) (IsolationResult, error) {
	db := tenantdb.New(pool, nil)
	plainSQL := fmt.Sprintf(itemsPage, sqlquote.Ident(t.SchemaName, "items"))
	tenantSQL := fmt.Sprintf(itemsPage, "items")
	plain := func(ctx context.Context) error { return readPage(ctx, pool, plainSQL) }
	isolated := func(ctx context.Context) error {
		b := &pgx.Batch{}
		b.Queue(tenantSQL).Query(func(rows pgx.Rows) error { return drain(rows) })
		return db.Pipeline(ctx, t, b)
	}
	interactive := func(ctx context.Context) error {
		return db.InTenant(ctx, t, func(tx *tenantdb.Tx) error { return readPage(ctx, tx, tenantSQL) })
	}
	var res IsolationResult
	for _, fn := range []func(context.Context) error{plain, isolated, interactive} {
		if _, err := hammer(ctx, fn, d/(4*isolationRounds)); err != nil {
			return res, err
		}
	}
	for range isolationRounds {
		for _, m := range []struct {
			rate *Rate
			fn   func(context.Context) error
		}{{&res.Plain, plain}, {&res.Isolated, isolated}, {&res.Interactive, interactive}} {
			r, err := hammer(ctx, m.fn, d/isolationRounds)
			if err != nil {
				return res, err
			}
			m.rate.add(r)
		}
	}
	return res, nil
}

func readPage(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string) error {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return err
	}
	return drain(rows)
}

// drain reads every row's values, as a handler would.
func drain(rows pgx.Rows) error {
	defer rows.Close()
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// hammer runs fn from isolationWorkers goroutines for d.
func hammer(ctx context.Context, fn func(context.Context) error, d time.Duration) (Rate, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range isolationWorkers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				begin := time.Now()
				if err := fn(ctx); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(begin))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if firstErr != nil {
		return Rate{}, fmt.Errorf("bench: isolation query: %w", firstErr)
	}
	return Rate{Ops: len(lat), Elapsed: time.Since(start), P50: summarize(lat).P50}, nil
}

// add merges another slice's figures; the median kept is the larger of
// the slices' medians, the conservative one.
func (r *Rate) add(o Rate) {
	r.Ops += o.Ops
	r.Elapsed += o.Elapsed
	r.P50 = max(r.P50, o.P50)
}

func (r IsolationResult) print(out io.Writer) {
	fmt.Fprintf(out, "\nisolation cost: the items page query through the same pool, %d workers, the forms interleaved in %d slices\n",
		isolationWorkers, isolationRounds)
	t := newTable(out)
	t.row("form", "queries/s", "p50")
	t.row("bare on the pool (schema-qualified)", fmt.Sprintf("%.0f", r.Plain.PerSecond()), ms(r.Plain.P50))
	t.row("tenant transaction, pipelined (the API's reads)", fmt.Sprintf("%.0f", r.Isolated.PerSecond()), ms(r.Isolated.P50))
	t.row("tenant transaction, interactive (InTenant)", fmt.Sprintf("%.0f", r.Interactive.PerSecond()), ms(r.Interactive.P50))
	t.flush()
	fmt.Fprintf(out, "isolated / unisolated: %.2f, overhead of the pipelined tenant transaction: %.1f%% (target <= %.0f%%) %s\n",
		r.Plain.PerSecond()/max(r.Isolated.PerSecond(), 1), r.Overhead(), IsolationTarget, verdict(r.Overhead() <= IsolationTarget))
}
