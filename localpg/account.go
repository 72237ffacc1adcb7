package localpg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// serverUserName is the account initdb and postgres run as when this process
// is root, since both refuse to run as root.
const serverUserName = "postgres"

// account is the operating-system user the server runs as.
type account struct {
	name       string
	uid        int
	gid        int
	groups     []int // supplementary group ids, for the traversal check
	switchUser bool  // children run as uid/gid rather than as this process
}

// serverAccount returns the current user, or the postgres system user when
// the current user is root.
func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{name: "current user", uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup(serverUserName)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return account{}, fmt.Errorf("localpg: PostgreSQL refuses to run as root and there is no %q user to run it as: create an unprivileged user named %s (useradd --system %s) or run as a non-root user", serverUserName, serverUserName, serverUserName)
	}
	if err != nil {
		return account{}, fmt.Errorf("localpg: look up user %s: %w", serverUserName, err)
	}
	return accountOf(u)
}

// accountOf converts a looked-up user, with its groups.
func accountOf(u *user.User) (account, error) {
	a := account{name: u.Username, switchUser: true}
	var err error
	if a.uid, err = strconv.Atoi(u.Uid); err != nil {
		return account{}, fmt.Errorf("localpg: user %s: uid %q: %w", u.Username, u.Uid, err)
	}
	if a.gid, err = strconv.Atoi(u.Gid); err != nil {
		return account{}, fmt.Errorf("localpg: user %s: gid %q: %w", u.Username, u.Gid, err)
	}
	ids, err := u.GroupIds()
	if err != nil {
		return account{}, fmt.Errorf("localpg: groups of user %s: %w", u.Username, err)
	}
	for _, id := range ids {
		if gid, err := strconv.Atoi(id); err == nil {
			a.groups = append(a.groups, gid)
		}
	}
	return a, nil
}

// credential is what exec uses to run a child as a, or nil to run it as
// this process.
func (a account) credential() *syscall.Credential {
	if !a.switchUser {
		return nil
	}
	return &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}
}

// own hands path, and everything below it, to a. It does nothing unless a is
// another user.
func (a account) own(path string) error {
	if !a.switchUser {
		return nil
	}
	err := filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, a.uid, a.gid)
	})
	if err != nil {
		return fmt.Errorf("localpg: give %s to user %s: %w", path, a.name, err)
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
	if !a.switchUser {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("localpg: read cluster directory: %w", err)
	}
	for _, e := range entries {
		if !clusterEntry(e.Name()) {
			return fmt.Errorf("localpg: cluster directory %s holds %s: because this process is root, the directory is handed to user %s, so it must hold nothing but the cluster; choose an empty or new directory", dir, e.Name(), a.name)
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
	if !a.switchUser {
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
	return fmt.Errorf("localpg: user %s, which runs PostgreSQL because this process is root, cannot reach %s: directory %s (mode %s) is not traversable by it; choose a Dir whose parent directories others may traverse (chmod o+x), or run as a non-root user", a.name, target, p, fi.Mode().Perm())
}

// maySearch applies the owner, group and other execute bits of fi to a.
func (a account) maySearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case int(st.Gid) == a.gid || slices.Contains(a.groups, int(st.Gid)):
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
