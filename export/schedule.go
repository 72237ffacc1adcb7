package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/registry"
)

// The kinds of the scheduled export jobs, as stored in river_job.kind.
const (
	KindExportAll = "tenantry.export_all" // the periodic job: one export job per tenant that is due
	KindExport    = "tenantry.export"     // one tenant's export
)

// Schedule is when and where scheduled exports go.
type Schedule struct {
	// Dir holds the archives, one directory per tenant slug:
	// Dir/<slug>/<slug>-<UTC time>.tar.gz. Required; made if missing.
	Dir string
	// Every is how often each tenant is exported. Default 24 hours; at
	// least a minute.
	Every time.Duration
	// Keep is how many archives of each tenant are kept; older ones are
	// removed after each export. Default 7.
	Keep int
	// Timeout bounds one tenant's export. Default 1 hour.
	Timeout time.Duration
	// Parallel is how many exports one process runs at once (each runs
	// pg_dump); the others wait their turn without a connection. Default 1.
	Parallel int
}

// withDefaults checks s and fills in its defaults.
func (s Schedule) withDefaults() (Schedule, error) {
	if s.Every == 0 {
		s.Every = 24 * time.Hour
	}
	if s.Keep == 0 {
		s.Keep = 7
	}
	if s.Timeout == 0 {
		s.Timeout = time.Hour
	}
	if s.Parallel <= 0 {
		s.Parallel = 1
	}
	switch {
	case s.Dir == "":
		return s, errors.New("export schedule: Dir is required")
	case s.Every < time.Minute:
		return s, fmt.Errorf("export schedule: Every must be at least a minute, got %v", s.Every)
	case s.Keep < 1:
		return s, fmt.Errorf("export schedule: Keep must be at least 1, got %d", s.Keep)
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return s, fmt.Errorf("export schedule: %w", err)
	}
	return s, nil
}

// ExportAllArgs is the periodic job that enqueues an ExportArgs job for
// every tenant (not being deleted) whose newest archive is older than
// Schedule.Every.
type ExportAllArgs struct{}

// Kind returns KindExportAll.
func (ExportAllArgs) Kind() string { return KindExportAll }

// ExportArgs exports one tenant into Schedule.Dir and prunes its old
// archives. A tenant gone or being deleted cancels it. One tenant has one
// such job waiting or running at a time.
type ExportArgs struct {
	TenantID int64 `json:"tenant_id"`
}

// Kind returns KindExport.
func (ExportArgs) Kind() string { return KindExport }

// InsertOpts makes one tenant's export unique while it waits or runs (not
// once it completed: the next one is due an interval later).
func (ExportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// Scheduled returns the workers and the periodic job of scheduled exports,
// for jobs.Config.AppWorkers and jobs.Config.Periodic: every s.Every, and
// when the workers start, each tenant whose newest archive in s.Dir is
// older than s.Every is exported there. Exports of suspended and
// terminated tenants are made too: a backup matters most then.
func (e *Exporter) Scheduled(s Schedule) ([]jobs.Registration, []*river.PeriodicJob, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	regs := []jobs.Registration{
		jobs.AppWorker[ExportAllArgs](&exportAllWorker{e: e, s: s}),
		jobs.AppWorker[ExportArgs](&exportWorker{e: e, s: s, turns: make(chan struct{}, s.Parallel)}),
	}
	periodic := river.NewPeriodicJob(river.PeriodicInterval(s.Every),
		func() (river.JobArgs, *river.InsertOpts) { return ExportAllArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
	return regs, []*river.PeriodicJob{periodic}, nil
}

type exportAllWorker struct {
	river.WorkerDefaults[ExportAllArgs]
	e *Exporter
	s Schedule
}

// Work enqueues the exports that are due.
func (w *exportAllWorker) Work(ctx context.Context, _ *river.Job[ExportAllArgs]) error {
	ts, err := registry.List(ctx, w.e.pool)
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	for _, t := range ts {
		if !t.Deleting() && w.s.due(t.Slug) {
			params = append(params, river.InsertManyParams{Args: ExportArgs{TenantID: t.ID}})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := river.ClientFromContext[pgx.Tx](ctx).InsertMany(ctx, params); err != nil {
		return fmt.Errorf("enqueue %d exports: %w", len(params), err)
	}
	w.e.log.InfoContext(ctx, "scheduled exports enqueued", "tenants", len(params))
	return nil
}

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	e     *Exporter
	s     Schedule
	turns chan struct{} // Schedule.Parallel places
}

// Timeout returns Schedule.Timeout.
func (w *exportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return w.s.Timeout }

// Work exports the tenant, unless its newest archive is recent, then
// prunes its old archives.
func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	select {
	case w.turns <- struct{}{}:
		defer func() { <-w.turns }()
	case <-time.After(turnWait):
		return river.JobSnooze(turnWait) // later, without spending an attempt
	case <-ctx.Done():
		return ctx.Err()
	}
	t, err := registry.Find(ctx, w.e.pool, strconv.FormatInt(job.Args.TenantID, 10))
	if errors.Is(err, tenantry.ErrTenantNotFound) || (err == nil && t.Deleting()) {
		return river.JobCancel(fmt.Errorf("export of tenant #%d: %w", job.Args.TenantID, tenantry.ErrTenantNotFound))
	}
	if err != nil {
		return err
	}
	if !w.s.due(t.Slug) {
		return nil
	}
	dir := filepath.Join(w.s.Dir, t.Slug)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("export of tenant %s: %w", t.Slug, err)
	}
	path := filepath.Join(dir, t.Slug+"-"+time.Now().UTC().Format(stampLayout)+".tar.gz")
	if _, err := w.e.WriteFile(ctx, strconv.FormatInt(t.ID, 10), path); err != nil {
		if errors.Is(err, tenantry.ErrTenantDeleting) {
			return river.JobCancel(err)
		}
		return err
	}
	return w.s.prune(t.Slug)
}

// turnWait is how long an export waits for its turn before it is put
// back in the queue for as long.
const turnWait = 30 * time.Second

// stampLayout is the UTC time in an archive's name; names sort by it.
const stampLayout = "20060102T150405Z"

// archiveName matches a scheduled archive of slug $1.
func archivePattern(slug string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(slug) + `-([0-9]{8}T[0-9]{6}Z)\.tar\.gz$`)
}

// archives returns the names of slug's scheduled archives, newest first.
func (s Schedule) archives(slug string) []string {
	entries, _ := os.ReadDir(filepath.Join(s.Dir, slug)) // a missing directory: none yet
	re := archivePattern(slug)
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && re.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names
}

// due reports whether slug's newest archive is older than Every (with a
// minute's slack, so that a periodic run a little early still exports).
func (s Schedule) due(slug string) bool {
	names := s.archives(slug)
	if len(names) == 0 {
		return true
	}
	at, err := time.Parse(stampLayout, archivePattern(slug).FindStringSubmatch(names[0])[1])
	return err != nil || time.Since(at) >= s.Every-time.Minute
}

// prune removes slug's archives beyond the newest Keep, and the leftovers
// of exports that died (partial files and staging directories) older
// than Timeout.
func (s Schedule) prune(slug string) error {
	dir := filepath.Join(s.Dir, slug)
	names := s.archives(slug)
	for _, name := range names[min(len(names), s.Keep):] {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("prune archives of %s: %w", slug, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, err := e.Info()
		stale := err == nil && time.Since(info.ModTime()) > s.Timeout
		if stale && (strings.HasPrefix(e.Name(), ".tenantry-export-") || strings.Contains(e.Name(), ".part-")) {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}
