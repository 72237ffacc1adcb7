package localpg

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrAlreadyRunning is wrapped by the error Start returns when a live server
// already uses the cluster directory; the message names the directory and
// the server's process id.
var ErrAlreadyRunning = errors.New("a PostgreSQL server is already running")

// clearStaleLock removes dataDir/postmaster.pid when the process it names is
// gone, so that a server killed without cleanup does not block the next
// Start. It fails with ErrAlreadyRunning when that process still runs.
func clearStaleLock(dir, dataDir string, logger *slog.Logger) error {
	path := filepath.Join(dataDir, "postmaster.pid")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("localpg: read %s: %w", path, err)
	}
	pid, err := lockPID(data)
	if err == nil && serverAlive(pid) {
		return fmt.Errorf("%w in %s (pid %d)", ErrAlreadyRunning, dir, pid)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("localpg: remove stale %s: %w", path, err)
	}
	logger.Info("removed stale postmaster.pid", "path", path, "pid", pid)
	return nil
}

// lockPID reads the process id on the first line of a postmaster.pid.
func lockPID(data []byte) (int, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	pid, err := strconv.Atoi(string(bytes.TrimSpace(line)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("bad process id %q in postmaster.pid", line)
	}
	return pid, nil
}

// serverAlive reports whether pid is a running process that may be a
// PostgreSQL server. Where /proc exists, a process whose command name is
// neither postgres nor postmaster does not count: after a reboot or a
// container restart the old pid often belongs to something else.
func serverAlive(pid int) bool {
	if pid == os.Getpid() {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return !procMounted() // without /proc, trust the signal check
	}
	name := string(bytes.TrimSpace(comm))
	return name == "postgres" || name == "postmaster"
}

// procMounted reports whether this system has a Linux-style /proc.
func procMounted() bool {
	_, err := os.Stat("/proc/self/comm")
	return err == nil
}
