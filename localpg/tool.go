package localpg

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
)

// FindTool returns the path of one of PostgreSQL's client programs
// (pg_dump, pg_restore, psql), looked for as FindBinDir looks for the
// server: in `pg_config --bindir`, then in the newest
// /usr/lib/postgresql/VERSION/bin that has it, then on $PATH. The newest
// wins because pg_dump refuses a server newer than itself. It returns an
// error naming the program and the package to install when none is found.
func FindTool(name string) (string, error) {
	if dir := pgConfigBinDir(); isExecutable(filepath.Join(dir, name)) {
		return filepath.Join(dir, name), nil
	}
	dirs, _ := filepath.Glob(debianBinDirs)
	slices.SortFunc(dirs, func(a, b string) int { return slices.Compare(dirVersion(b), dirVersion(a)) })
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, name)) {
			return filepath.Join(dir, name), nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("PostgreSQL's %s not found: install PostgreSQL's client programs (Debian/Ubuntu: apt-get install postgresql-client)", name)
}

// isExecutable reports whether path is a regular file someone may execute.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
