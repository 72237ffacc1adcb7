package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tenantry/tenantry/fleet"
	"github.com/tenantry/tenantry/migrate"
)

// resetDev deletes dev's private cluster, after asking on standard input
// unless yes, so that the next start makes a new one. It refuses while dev
// runs in this directory, and when DATABASE_URL is set (dev does not use
// its cluster then).
func (a *app) resetDev(yes bool) error {
	s := a.settings()
	if s.databaseURL != "" {
		return usagef("--reset deletes the private cluster of \"tenantry dev\", which is not used while DATABASE_URL is set: to start over, drop and recreate that database yourself")
	}
	if url, err := os.ReadFile(filepath.Join(s.stateDir, devURLFile)); err == nil && dialDatabase(strings.TrimSpace(string(url))) == nil {
		return usagef("\"tenantry dev\" is running in this directory: stop it before --reset")
	}
	dir := clusterDir(s.stateDir)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(a.stdout, "no development database in %s to reset\n", dir)
		return nil
	}
	if !yes {
		if err := a.confirm(fmt.Sprintf("Delete the development database in %s, with every tenant, user and item in it? Type yes to go on: ", dir)); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("delete the development database: %w", err)
	}
	if err := os.Remove(filepath.Join(s.stateDir, devURLFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the stale database URL: %w", err)
	}
	fmt.Fprintf(a.stdout, "deleted the development database in %s\n", dir)
	return nil
}

// confirm asks question on standard error and reads the answer from
// standard input: "yes" goes on, anything else (or nothing) is a refusal.
func (a *app) confirm(question string) error {
	fmt.Fprint(a.stderr, question)
	answer, err := bufio.NewReader(a.stdin).ReadString('\n')
	fmt.Fprintln(a.stderr)
	if strings.TrimSpace(answer) == "yes" {
		return nil
	}
	if err != nil && answer == "" {
		return usagef("no answer on standard input: nothing deleted (--yes skips the question)")
	}
	return usagef("not confirmed: nothing deleted")
}

// devMigrateError describes dev's failed migration. A schema that records a
// migration this binary lacks, or whose text changed since it was applied,
// is the usual trouble while writing migrations: the message names the
// migration and says how to start over.
func devMigrateError(r *fleet.Report, private bool, stateDir string) error {
	f := r.Failures()[0]
	msg := fmt.Sprintf("migrate: %s failed, first %s", plural(r.Failed, "schema"), f.Error)
	var merr *migrate.Error
	if !errors.As(f.Err, &merr) {
		return errors.New(msg)
	}
	var fix string
	switch {
	case errors.Is(merr, migrate.ErrUnknownVersion):
		fix = fmt.Sprintf("migration %04d_%s was applied to this database but is not in this binary (removed or renamed since, or applied by a newer tenantry): restore its file", merr.Version, merr.Name)
	case errors.Is(merr, migrate.ErrEdited):
		fix = fmt.Sprintf("migration %04d_%s was edited after it was applied: restore its text and put the change in a new migration", merr.Version, merr.Name)
	default:
		return errors.New(msg)
	}
	if private {
		fix += fmt.Sprintf(", or start over with an empty database: \"tenantry dev --reset\" deletes the private cluster in %s and every tenant in it (it asks first)", clusterDir(stateDir))
	} else {
		fix += ", or start over: drop and recreate the database of DATABASE_URL, then run \"tenantry dev\" again"
	}
	return fmt.Errorf("%s. To recover: %s", msg, fix)
}
