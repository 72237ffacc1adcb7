package localpg

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
)

// defaultPort names the server's socket file, .s.PGSQL.5432; the server
// listens on no TCP port.
const defaultPort = "5432"

// Config adjusts Start. A nil *Config means the defaults, but Dir has no
// default, so Start needs a Config that sets it.
type Config struct {
	// Dir is the cluster directory, created if missing: the data lives in
	// Dir/data and the server log in Dir/postgres.log; the socket is in Dir,
	// or in a short directory under os.TempDir when Dir's path is too long
	// for a Unix socket or holds characters that need quoting. Relative
	// paths are resolved against the working directory. When this process
	// runs as root, Dir must hold nothing but the cluster and every
	// directory above it must be traversable by the postgres user (see the
	// package documentation). Required.
	Dir string
	// BinDir holds the initdb and postgres programs. Default: FindBinDir().
	BinDir string
	// User is the superuser initdb creates, which connects without a
	// password over the socket. It is fixed when the cluster is first
	// initialised; later Starts must use the same one. Default "app".
	User string
	// Logger receives localpg's own events (init, start, stop). Default:
	// discard.
	Logger *slog.Logger
	// Stdout receives the server log (postgres's stdout and stderr). Write
	// errors are ignored so that a failing writer never stalls the server.
	// Default: the file Dir/postgres.log, appended to.
	Stdout io.Writer
	// Settings are extra server settings, each passed as -c name=value after
	// localpg's own (listen_addresses='', fsync=off,
	// unix_socket_permissions=0777, port=5432), which they may override.
	// Setting "port" changes the socket's name and URL follows it. Default:
	// none.
	Settings map[string]string
}

// options is a Config with defaults applied and paths made absolute.
type options struct {
	Config
	port string
}

// resolve validates cfg and fills in the defaults.
func resolve(cfg *Config) (options, error) {
	if cfg == nil || cfg.Dir == "" {
		return options{}, errors.New("localpg: Config.Dir is required")
	}
	o := options{Config: *cfg}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return options{}, fmt.Errorf("localpg: Config.Dir %q: %w", o.Dir, err)
	}
	o.Dir = dir
	o.User = cmp.Or(o.User, "app")
	o.port = cmp.Or(o.Settings["port"], defaultPort)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := validateSettings(o.Settings); err != nil {
		return options{}, err
	}
	return o, resolveBinDir(&o)
}

// resolveBinDir finds the binaries, or checks the ones the caller named.
func resolveBinDir(o *options) error {
	if o.BinDir == "" {
		var err error
		o.BinDir, err = FindBinDir()
		return err
	}
	if !hasServerBinaries(o.BinDir) {
		return fmt.Errorf("localpg: Config.BinDir %s does not hold the initdb and postgres programs", o.BinDir)
	}
	return nil
}

// validateSettings rejects names postgres would misread as name=value.
func validateSettings(settings map[string]string) error {
	for name := range settings {
		if name == "" || strings.ContainsAny(name, "= \x00") {
			return fmt.Errorf("localpg: Config.Settings: invalid setting name %q", name)
		}
	}
	return nil
}
