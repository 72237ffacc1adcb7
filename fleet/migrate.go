package fleet

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/migrate"
)

// Migrate brings each of schemas up to its set's latest version. Public, if
// among them, goes first and alone; if it fails nothing else is attempted.
// The others are skipped when the fleet summary says they are current, and
// otherwise migrated by opts.Parallel workers, one transaction per schema.
// A failing schema does not stop the run: it is recorded in the fleet
// summary and in the report, whose OK is then false. When ctx ends, the
// schemas being migrated roll back, no other is started, and the error
// wraps ErrInterrupted. Otherwise the error is non-nil only when the run
// itself could not proceed (the summary unreadable). The report is never
// nil.
func (f *Fleet) Migrate(ctx context.Context, schemas []Schema, opts *Options) (*Report, error) {
	if opts == nil {
		opts = &Options{}
	}
	start := time.Now()
	report := &Report{Total: len(schemas)}
	defer finish(report, start)
	if len(schemas) > 0 && schemas[0].Kind == KindPublic {
		res := f.migrateOne(ctx, schemas[0], opts.DryRun)
		report.progress(opts, res)
		report.add(res)
		if res.Err != nil || res.Interrupted {
			return report, end(ctx, report)
		}
		schemas = schemas[1:]
	}
	work, err := f.behind(ctx, schemas, report, opts)
	if err != nil {
		if ierr := end(ctx, report); ierr != nil {
			return report, ierr
		}
		return report, err
	}
	migrate := f.migrateOne
	if opts.Maintenance && !opts.DryRun {
		migrate = f.migrateInMaintenance
		f.leaveMaintenance(ctx, skipped(report))
	}
	f.run(ctx, work, report, opts, func(ctx context.Context, s Schema) Result {
		return migrate(ctx, s, opts.DryRun)
	})
	return report, end(ctx, report)
}

// skipped lists the tenant schemas report found current.
func skipped(report *Report) []string {
	var out []string
	for _, r := range report.Results {
		if r.Skipped && r.Kind == KindDynamic {
			out = append(out, r.Schema)
		}
	}
	return out
}

// behind returns the schemas the fleet summary does not show as current,
// and reports the others as up to date.
func (f *Fleet) behind(ctx context.Context, schemas []Schema, report *Report, opts *Options) ([]Schema, error) {
	if len(schemas) == 0 {
		return nil, nil
	}
	states, err := f.versions(ctx)
	if err != nil {
		if opts.DryRun {
			return schemas, nil // public itself not migrated yet: everything is pending
		}
		return nil, err
	}
	var work []Schema
	for _, s := range schemas {
		st, ok := states[s.Name]
		if !ok || st.failed || st.version != f.setFor(s.Kind).Latest() {
			work = append(work, s)
			continue
		}
		res := Result{Schema: s.Name, Kind: s.Kind, From: st.version, To: st.version, Skipped: true}
		report.progress(opts, res)
		report.add(res)
	}
	return work, nil
}

// migrateTx is READ COMMITTED whatever the server's default: a snapshot
// taken before the schema's advisory lock is granted would hide the ledger
// rows of the run that held it, and Apply would run their migrations again.
var migrateTx = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// migrateOne migrates schema s in a transaction of its own. Unless the run
// is dry or s is public, the fleet summary records s's new version in the
// same round trip as its last migration (Options.After).
func (f *Fleet) migrateOne(ctx context.Context, s Schema, dry bool) Result {
	start := time.Now()
	res := Result{Schema: s.Name, Kind: s.Kind}
	set := f.setFor(s.Kind)
	opts := &migrate.Options{CreateSchema: s.Kind == KindStatic, DryRun: dry}
	if !dry && s.Kind != KindPublic {
		// A successful Apply leaves the schema at the set's latest version.
		opts.After = recordSuccessSQL(s, set.Latest())
	}
	var mres migrate.Result
	err := pgx.BeginTxFunc(ctx, f.pool, migrateTx, func(tx pgx.Tx) error {
		var err error
		if mres, err = set.Apply(ctx, tx, s.Name, opts); err == nil && dry {
			return errDryRun
		}
		return err
	})
	res.From, res.To, res.Applied, res.Labels = mres.From, mres.To, mres.Applied, mres.Labels
	switch {
	case errors.Is(err, errDryRun):
	case interrupted(ctx, err):
		markInterrupted(&res)
	case err != nil:
		f.fail(ctx, s, &res, err, dry)
	}
	res.Duration = time.Since(start)
	return res
}

// fail fills res with err and, unless the run is dry, records the failure in
// the fleet summary.
func (f *Fleet) fail(ctx context.Context, s Schema, res *Result, err error, dry bool) {
	res.Err, res.Error, res.To, res.Applied, res.Labels = err, err.Error(), res.From, nil, nil
	var merr *migrate.Error
	if errors.As(err, &merr) {
		res.Version = merr.Version
	}
	f.cfg.Logger.Error("schema migration failed", "schema", s.Name, "version", res.Version, "err", err)
	if dry || s.Kind == KindPublic {
		return
	}
	if rerr := f.recordFailure(ctx, s, res.From, res.Version, res.Error); rerr != nil {
		f.cfg.Logger.Error("record schema failure", "schema", s.Name, "err", rerr)
	}
}
