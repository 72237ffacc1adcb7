package localpg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Cluster is a PostgreSQL server started by Start, running as a child of
// this process. Its methods are safe for concurrent use.
type Cluster struct {
	dir           string
	socketDir     string
	tempSocketDir bool // socketDir was made by Start and goes away with Stop
	user          string
	port          string
	logger        *slog.Logger
	log           *serverLog
	closeLog      func() error
	cmd           *exec.Cmd
	pid           int
	done          chan struct{}
	exitErr       error // written before done is closed
	stopOnce      sync.Once
	stopErr       error
}

// Start starts a cluster in cfg.Dir and returns once it accepts
// connections. On first use it initialises the cluster with initdb; later
// Starts reuse the data. A postmaster.pid left by a server that no longer
// runs is removed; if a server still runs in the directory, the error wraps
// ErrAlreadyRunning. ctx bounds initdb and the wait for the server (itself
// at most 30 seconds); cancelling it after Start returns does not stop the
// server: call Stop. Errors from a failed server start end with the tail of
// its log.
func Start(ctx context.Context, cfg *Config) (*Cluster, error) {
	began := time.Now()
	o, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	a, err := serverAccount()
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(o.Dir, "data")
	if err := prepareCluster(ctx, o, dataDir, a); err != nil {
		return nil, err
	}
	c, err := newCluster(o, a)
	if err != nil {
		return nil, err
	}
	if err := c.launch(o, dataDir, a); err != nil {
		return nil, errors.Join(err, c.Stop())
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, errors.Join(err, c.Stop())
	}
	o.Logger.Info("postgres ready", "dir", o.Dir, "socket_dir", c.socketDir, "pid", c.pid, "elapsed", time.Since(began))
	return c, nil
}

// prepareCluster makes o.Dir usable by a and initialises the cluster in
// dataDir when there is none yet.
func prepareCluster(ctx context.Context, o options, dataDir string, a account) error {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("localpg: create cluster directory: %w", err)
	}
	if err := a.adopt(o.Dir); err != nil {
		return err
	}
	if err := clearStaleLock(o.Dir, dataDir, o.Logger); err != nil {
		return err
	}
	done, err := initialized(dataDir)
	if err != nil {
		return err
	}
	if done {
		return restrictDataDir(dataDir)
	}
	began := time.Now()
	if err := initCluster(ctx, o, dataDir, a); err != nil {
		return err
	}
	o.Logger.Info("initialised postgres cluster", "data_dir", dataDir, "user", o.User, "elapsed", time.Since(began))
	return nil
}

// newCluster chooses the socket directory and opens the server log.
func newCluster(o options, a account) (*Cluster, error) {
	c := &Cluster{dir: o.Dir, socketDir: o.Dir, user: o.User, port: o.port, logger: o.Logger, done: make(chan struct{})}
	if !plainSocketDir(o.Dir, o.port) {
		dir, err := shortSocketDir(o.port, a)
		if err != nil {
			return nil, err
		}
		c.socketDir, c.tempSocketDir = dir, true
	}
	sink, closeSink, err := openServerLog(o)
	if err != nil {
		return nil, errors.Join(err, c.removeSocketDir())
	}
	c.log = &serverLog{logger: o.Logger, sink: sink}
	c.closeLog = closeSink
	return c, nil
}

// openServerLog returns where the server's output goes and how to close it.
func openServerLog(o options) (io.Writer, func() error, error) {
	if o.Stdout != nil {
		return o.Stdout, func() error { return nil }, nil
	}
	path := filepath.Join(o.Dir, "postgres.log")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("localpg: open server log: %w", err)
	}
	return f, f.Close, nil
}

// SocketDir returns the directory holding the server's Unix socket: Dir, or
// a short temporary directory that Stop removes.
func (c *Cluster) SocketDir() string {
	return c.socketDir
}
