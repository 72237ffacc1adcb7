package tenantdb_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/tenantdb"
)

// batchLog is a pgx tracer that records each batch sent and each batch
// error, including a failed prepare before the batch is sent.
type batchLog struct {
	mu      sync.Mutex
	batches []string // each batch's first statement
	errs    []error
}

func (l *batchLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batches = append(l.batches, data.Batch.QueuedQueries[0].SQL)
	return ctx
}

func (l *batchLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (l *batchLog) TraceBatchEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	if data.Err != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.errs = append(l.errs, data.Err)
	}
}

// TraceQueryStart and TraceQueryEnd make batchLog a pgx.QueryTracer, the
// interface a connection's Tracer must have.
func (l *batchLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (l *batchLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// take returns what was recorded since the last call and forgets it.
func (l *batchLog) take() (batches []string, errs []error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	batches, errs = l.batches, l.errs
	l.batches, l.errs = nil, nil
	return batches, errs
}

// TestPipelinePreparesInsideItsBinding pipelines reads of two tenants on one
// connection. A statement text new to the connection must never be
// prepared outside a binding (where the tenant's tables do not resolve and
// the prepare fails, an ERROR in PostgreSQL's log): the first pipeline of
// it goes through a bound interactive transaction, the next ones in one
// round trip. When pgx has since forgotten a statement the connection's
// record still holds, the pipeline is still answered right.
func TestPipelinePreparesInsideItsBinding(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(f.env.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	log := &batchLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db := tenantdb.New(pool, &tenantdb.Config{TenantStatements: 2})

	read := func(ten *tenantry.Tenant) {
		t.Helper()
		var got string
		var n int
		b := &pgx.Batch{}
		b.Queue("SELECT name FROM items ORDER BY id LIMIT $1", 1).QueryRow(func(r pgx.Row) error { return r.Scan(&got) })
		b.Queue("SELECT count(*) FROM items").QueryRow(func(r pgx.Row) error { return r.Scan(&n) })
		if err := db.Pipeline(ctx, ten, b); err != nil {
			t.Fatalf("pipeline for %s: %v", ten.Slug, err)
		}
		if want := "item of " + ten.Slug; got != want || n != 1 {
			t.Fatalf("pipeline for %s read %q and %d items, want %q and 1", ten.Slug, got, n, want)
		}
	}
	// oneTrip reports whether the batches sent were one pipeline carrying
	// the binding, rather than the statements alone in a transaction.
	oneTrip := func(batches []string) bool {
		return len(batches) == 1 && strings.Contains(batches[0], "tenantry_enter_tenant")
	}

	steps := []struct {
		name    string
		tenant  *tenantry.Tenant
		before  func()
		oneTrip bool
	}{
		{"alpha, statements shared, new to the connection", f.a, nil, false},
		{"alpha again, now its own statements (second visit), new", f.a, nil, false},
		{"alpha, its statements known", f.a, nil, true},
		{"beta, statements shared, known", f.b, nil, true},
		{"beta, its own statements, new", f.b, nil, false},
		{"beta, known", f.b, nil, true},
		{"alpha after pgx forgot every statement", f.a, func() {
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			if err := conn.Conn().DeallocateAll(ctx); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"alpha, known again", f.a, nil, true},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		log.take()
		read(s.tenant)
		batches, errs := log.take()
		if s.before == nil && len(errs) > 0 {
			t.Errorf("%s: a batch failed on the way: %v", s.name, errs)
		}
		if oneTrip(batches) != s.oneTrip {
			t.Errorf("%s: batches sent %q, one round trip: %v, want %v", s.name, batches, !s.oneTrip, s.oneTrip)
		}
	}
}
