package pgbouncer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Bouncer is a PgBouncer started by Start, running as a child of this
// process. Its methods are safe for concurrent use.
type Bouncer struct {
	addr     string // host:port it listens on
	user     string // the server URL's user, for URLs that name none
	cmd      *commandRun
	stopOnce sync.Once
	stopErr  error
}

// startAttempts bounds the retries when another process takes the chosen
// port between choosing it and PgBouncer binding it.
const startAttempts = 5

// Start starts PgBouncer in front of cfg.Server and returns once it
// listens on 127.0.0.1. It returns ErrNotInstalled when there is no
// pgbouncer program. ctx bounds the start (itself at most 10 seconds);
// cancelling it later does not stop PgBouncer: call Stop. Errors from a
// failed start end with the tail of PgBouncer's log.
func Start(ctx context.Context, cfg *Config) (*Bouncer, error) {
	o, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	a, err := runAccount()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tenantry-pgbouncer-")
	if err != nil {
		return nil, fmt.Errorf("pgbouncer: create configuration directory: %w", err)
	}
	// PgBouncer reads its files at start and on reload only, which nobody
	// asks of it: they go as soon as it is up (or has failed).
	defer os.RemoveAll(dir)
	for attempt := 1; ; attempt++ {
		b, err := startOnce(ctx, o, a, dir)
		if err == nil || !errors.Is(err, errPortTaken) || attempt == startAttempts {
			return b, err
		}
	}
}

// startOnce writes the configuration for a free port and starts PgBouncer
// on it.
func startOnce(ctx context.Context, o options, a account, dir string) (*Bouncer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	authFile := filepath.Join(dir, "users.txt")
	ini, err := iniFile(o, port, authFile)
	if err != nil {
		return nil, err
	}
	iniPath := filepath.Join(dir, "pgbouncer.ini")
	if err := writeFiles(map[string]string{iniPath: ini, authFile: authFileText(o)}); err != nil {
		return nil, err
	}
	if err := a.own(dir); err != nil {
		return nil, err
	}
	run, err := launch(o, a, dir, iniPath)
	if err != nil {
		return nil, err
	}
	b := &Bouncer{addr: net.JoinHostPort("127.0.0.1", fmt.Sprint(port)), user: o.server.User, cmd: run}
	if err := run.waitUp(ctx); err != nil {
		return nil, errors.Join(err, b.Stop())
	}
	return b, nil
}

func writeFiles(files map[string]string) error {
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return fmt.Errorf("pgbouncer: write %s: %w", path, err)
		}
	}
	return nil
}

// freePort asks the kernel for a port on 127.0.0.1 that is free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgbouncer: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Addr returns the host:port PgBouncer listens on (on 127.0.0.1).
func (b *Bouncer) Addr() string { return b.addr }

// stopTimeout is how long Stop waits for PgBouncer before killing it.
const stopTimeout = 5 * time.Second

// Stop shuts PgBouncer down at once (SIGTERM: clients are disconnected),
// then after 5 seconds kills it, and returns once it has exited. It is
// idempotent; every call returns the first call's result.
func (b *Bouncer) Stop() error {
	b.stopOnce.Do(func() { b.stopErr = b.cmd.stop(stopTimeout) })
	return b.stopErr
}

// Done returns a channel that is closed when PgBouncer has exited, through
// Stop or on its own.
func (b *Bouncer) Done() <-chan struct{} { return b.cmd.done }

// Err returns nil while PgBouncer runs; after Done is closed, why it
// exited: nil after Stop, else an error wrapping its exit status.
func (b *Bouncer) Err() error {
	select {
	case <-b.cmd.done:
		return b.cmd.exitErr
	default:
		return nil
	}
}
