package leakhunt_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/leakhunt"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// TestShortHuntFindsNoLeak is the hunt's short run on production's setup:
// a login that is not a superuser, the role layer on, the server and the
// library sharing one pool; straight to PostgreSQL, and through PgBouncer
// in transaction pooling mode (the registry's LISTEN still direct).
func TestShortHuntFindsNoLeak(t *testing.T) {
	t.Run("direct", func(t *testing.T) {
		t.Parallel()
		url := tenanttest.NewDatabase(t, &tenanttest.Options{NonSuperuser: true})
		checkHunt(t, &leakhunt.Config{URL: url})
	})
	t.Run("pgbouncer", func(t *testing.T) {
		t.Parallel()
		url := tenanttest.NewDatabase(t, &tenanttest.Options{NonSuperuser: true})
		checkHunt(t, &leakhunt.Config{URL: tenanttest.PgBouncerURL(t, url), ListenURL: url})
	})
}

// checkHunt runs a hunt with cfg and fails t on any leak or error, or if
// some action never ran, or none of many requests meant to be cut short
// was.
func checkHunt(t *testing.T, cfg *leakhunt.Config) {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	r, err := leakhunt.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r.Print(&out)
	t.Log(out.String())
	if r.Leaks != 0 {
		t.Errorf("%d leaks, first %v", r.Leaks, r.LeakExamples)
	}
	if n := r.ErrorCount(); n != 0 {
		t.Errorf("%d errors: %v", n, r.ErrorExamples)
	}
	for _, name := range leakhunt.ActionNames() {
		if a := r.Actions[name]; a == nil || a.Runs == 0 {
			t.Errorf("action %s never ran", name)
		}
	}
	for _, name := range []string{"disconnect", "timeout"} {
		if a := r.Actions[name]; a != nil && a.Runs >= 10 && a.Outcomes["cancelled"] == 0 {
			t.Errorf("none of %d %s requests was cut short", a.Runs, name)
		}
	}
}
