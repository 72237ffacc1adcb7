package localpg

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/tenantry/tenantry/internal/osaccount"
)

// serverUserName is the account initdb and postgres run as when this process
// is root, since both refuse to run as root.
const serverUserName = "postgres"

// account is the operating-system user the server runs as.
type account struct{ osaccount.Account }

// serverAccount returns the current user, or the postgres system user when
// the current user is root.
func serverAccount() (account, error) {
	a, err := osaccount.Unprivileged(serverUserName, "PostgreSQL")
	if err != nil {
		return account{}, fmt.Errorf("localpg: %w", err)
	}
	return account{a}, nil
}

// own hands path, and everything below it, to a. It does nothing unless a is
// another user.
func (a account) own(path string) error {
	if err := a.Own(path); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	return nil
}

// adopt prepares the cluster directory dir for a: when a is another user,
// dir must be reachable by it and hold nothing but a cluster, and is then
// handed to it.
func (a account) adopt(dir string) error {
	if err := a.checkReach(dir); err != nil {
		return err
	}
	if err := a.checkDedicated(dir); err != nil {
		return err
	}
	return a.own(dir)
}

// checkDedicated fails when a is another user and dir holds anything but
// localpg's own files: dir is about to be handed to a, which must never
// happen to a directory that merely contains the cluster, such as a home
// directory given as Dir by mistake.
func (a account) checkDedicated(dir string) error {
	if !a.Switch {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("localpg: read cluster directory: %w", err)
	}
	for _, e := range entries {
		if !clusterEntry(e.Name()) {
			return fmt.Errorf("localpg: cluster directory %s holds %s: because this process is root, the directory is handed to user %s, so it must hold nothing but the cluster; choose an empty or new directory", dir, e.Name(), a.Name)
		}
	}
	return nil
}

// clusterEntry reports whether name is one localpg or postgres creates in
// a cluster directory.
func clusterEntry(name string) bool {
	switch name {
	case "data", "data.initdb", "postgres.log":
		return true
	}
	return strings.HasPrefix(name, ".s.PGSQL.") // socket and its lock file
}

// checkReach fails when a cannot traverse every directory above dir. It
// reads mode bits only (not ACLs), and does nothing unless a is another user.
func (a account) checkReach(dir string) error {
	if !a.Switch {
		return nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("localpg: resolve %s: %w", dir, err)
	}
	for p := filepath.Dir(real); ; p = filepath.Dir(p) {
		if err := a.checkSearch(p, dir); err != nil {
			return err
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// checkSearch fails when a may not search (traverse) the directory p, which
// lies above target.
func (a account) checkSearch(p, target string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("localpg: stat %s: %w", p, err)
	}
	if a.maySearch(fi) {
		return nil
	}
	return fmt.Errorf("localpg: user %s, which runs PostgreSQL because this process is root, cannot reach %s: directory %s (mode %s) is not traversable by it; choose a Dir whose parent directories others may traverse (chmod o+x), or run as a non-root user", a.Name, target, p, fi.Mode().Perm())
}

// maySearch applies the owner, group and other execute bits of fi to a.
func (a account) maySearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.UID:
		return perm&0o100 != 0
	case int(st.Gid) == a.GID || slices.Contains(a.Groups, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// Reachable returns nil when the account the server would run as can reach
// dir (which need not exist yet: its nearest existing parent is checked).
// As root the server runs as the postgres user, which cannot enter a
// private directory such as /root; callers can then choose another Dir.
func Reachable(dir string) error {
	a, err := serverAccount()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for {
		if _, err := os.Stat(abs); err == nil || filepath.Dir(abs) == abs {
			break
		}
		abs = filepath.Dir(abs)
	}
	return a.checkReach(abs)
}
