package pgbouncer

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotInstalled is returned by Start and FindBinary when no pgbouncer
// program is found.
var ErrNotInstalled = errors.New("pgbouncer is not installed (Debian/Ubuntu: apt-get install pgbouncer, or scripts/install-deps.sh as root)")

// sbinDirs hold pgbouncer on Debian, where /usr/sbin is not on every user's
// PATH.
var sbinDirs = []string{"/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer"}

// FindBinary returns the pgbouncer program on PATH, else in /usr/sbin or
// /usr/local/sbin, or ErrNotInstalled.
func FindBinary() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	for _, p := range sbinDirs {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Config adjusts Start. Server is required.
type Config struct {
	// Server is the URL (or keyword/value string) of the PostgreSQL server
	// to pool, as a user that may connect to every database clients will
	// name: its host and port become the wildcard database entry, its user
	// looks clients' logins up (auth_user) and its password, if any, is
	// what PgBouncer logs in with as that user. Its database is not used.
	// Required.
	Server string
	// PoolSize is default_pool_size: server connections per database and
	// user, shared by all of that pair's clients. Default 5.
	PoolSize int
	// MaxClients is max_client_conn. Default 500.
	MaxClients int
	// Binary is the pgbouncer program. Default: FindBinary().
	Binary string
	// Log receives PgBouncer's log (its stderr). Write errors are ignored.
	// Default: discarded, except for the last lines, which explain a failed
	// start.
	Log io.Writer
}

// options is a Config with defaults applied and the server parsed.
type options struct {
	Config
	server *pgconn.Config
}

func resolve(cfg *Config) (options, error) {
	if cfg == nil || cfg.Server == "" {
		return options{}, errors.New("pgbouncer: Config.Server is required")
	}
	o := options{Config: *cfg}
	var err error
	if o.server, err = pgconn.ParseConfig(o.Server); err != nil {
		return options{}, fmt.Errorf("pgbouncer: Config.Server: %w", err)
	}
	if o.PoolSize < 0 || o.MaxClients < 0 {
		return options{}, errors.New("pgbouncer: Config.PoolSize and Config.MaxClients must not be negative")
	}
	o.PoolSize = cmp.Or(o.PoolSize, 5)
	o.MaxClients = cmp.Or(o.MaxClients, 500)
	o.Log = cmp.Or(o.Log, io.Discard)
	if o.Binary == "" {
		if o.Binary, err = FindBinary(); err != nil {
			return options{}, err
		}
	}
	return o, nil
}
