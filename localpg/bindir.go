package localpg

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned by FindBinDir, and by Start without
// Config.BinDir, when no PostgreSQL server installation is found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found: install them (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL to use an existing database")

// debianBinDirs matches the server installations of Debian and Ubuntu's
// postgresql packages, one per major version.
const debianBinDirs = "/usr/lib/postgresql/*/bin"

// FindBinDir returns a directory holding both initdb and postgres. It tries,
// in order: `pg_config --bindir`; the newest /usr/lib/postgresql/VERSION/bin
// (versions compared numerically, so 10 is newer than 9.6); the directory of
// initdb on $PATH. It returns ErrNoBinaries when none qualifies.
func FindBinDir() (string, error) {
	if dir := pgConfigBinDir(); hasServerBinaries(dir) {
		return dir, nil
	}
	if dir := newestDebianBinDir(); dir != "" {
		return dir, nil
	}
	if initdb, err := exec.LookPath("initdb"); err == nil && hasServerBinaries(filepath.Dir(initdb)) {
		return filepath.Dir(initdb), nil
	}
	return "", ErrNoBinaries
}

// pgConfigBinDir asks pg_config for its bindir, or returns "" when pg_config
// is missing or fails. On Debian, pg_config may come from libpq-dev alone,
// so its answer is checked by the caller.
func pgConfigBinDir() string {
	out, err := exec.Command("pg_config", "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// newestDebianBinDir returns the highest-versioned Debian-style bin
// directory that holds the server binaries, or "".
func newestDebianBinDir() string {
	dirs, err := filepath.Glob(debianBinDirs)
	if err != nil {
		return ""
	}
	slices.SortFunc(dirs, func(a, b string) int {
		return slices.Compare(dirVersion(b), dirVersion(a))
	})
	for _, dir := range dirs {
		if hasServerBinaries(dir) {
			return dir
		}
	}
	return ""
}

// dirVersion parses the VERSION in .../VERSION/bin ("15", "9.6") into its
// numeric parts; parts that are not numbers count as 0.
func dirVersion(binDir string) []int {
	var v []int
	for part := range strings.SplitSeq(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			n = 0 // "16beta1" and the like sort below released versions
		}
		v = append(v, n)
	}
	return v
}

// hasServerBinaries reports whether dir holds executable initdb and postgres.
func hasServerBinaries(dir string) bool {
	if dir == "" {
		return false
	}
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}
