package localpg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// initialized reports whether dataDir holds a cluster.
func initialized(dataDir string) (bool, error) {
	_, err := os.Stat(filepath.Join(dataDir, "PG_VERSION"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("localpg: check for a cluster in %s: %w", dataDir, err)
	}
	return true, nil
}

// restrictDataDir makes dataDir private (0700) unless it already is, or is
// readable by its group only (0750), the two modes postgres accepts; a
// cluster copied with ordinary tools often ends up 0755.
func restrictDataDir(dataDir string) error {
	fi, err := os.Stat(dataDir)
	if err != nil {
		return fmt.Errorf("localpg: stat %s: %w", dataDir, err)
	}
	if fi.Mode().Perm()&0o027 == 0 {
		return nil
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return fmt.Errorf("localpg: make %s private: %w", dataDir, err)
	}
	return nil
}

// initCluster runs initdb into a scratch directory beside dataDir and
// renames it into place, so that an interrupted initdb never leaves a
// half-made cluster where the next Start would try to use it.
func initCluster(ctx context.Context, o options, dataDir string, a account) error {
	scratch := dataDir + ".initdb"
	if err := os.RemoveAll(scratch); err != nil {
		return fmt.Errorf("localpg: remove leftover %s: %w", scratch, err)
	}
	if err := runInitdb(ctx, o, scratch, a); err != nil {
		return err
	}
	if err := os.Rename(scratch, dataDir); err != nil {
		return fmt.Errorf("localpg: move new cluster into %s (it must be absent or empty): %w", dataDir, err)
	}
	return nil
}

// runInitdb creates a cluster in dataDir whose superuser is o.User.
func runInitdb(ctx context.Context, o options, dataDir string, a account) error {
	cmd := exec.CommandContext(ctx, filepath.Join(o.BinDir, "initdb"),
		"-D", dataDir, "-U", o.User, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.Dir = o.Dir // initdb needs a working directory it can read
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.Credential()}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("localpg: initdb %s: %w\n%s", dataDir, err, lastLines(out, 20))
	}
	o.Logger.Debug("initdb output", "output", string(out))
	return nil
}
