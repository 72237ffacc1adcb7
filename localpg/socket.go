package localpg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxSocketPath is the longest socket path this package uses: sun_path holds
// 108 bytes on Linux and 104 on macOS, including the terminating NUL.
const maxSocketPath = 103

// socketFile is the path of the server's socket in dir.
func socketFile(dir, port string) string {
	return filepath.Join(dir, ".s.PGSQL."+port)
}

// plainSocketDir reports whether dir can hold the socket as is: short
// enough, and free of characters that unix_socket_directories (a
// comma-separated list) or connection URLs would split or mangle.
func plainSocketDir(dir, port string) bool {
	if len(socketFile(dir, port)) > maxSocketPath {
		return false
	}
	return !strings.ContainsFunc(dir, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '_' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
}

// shortSocketDir creates a fresh directory under os.TempDir for the socket,
// owned by a and readable by everyone. The caller removes it.
func shortSocketDir(port string, a account) (string, error) {
	dir, err := os.MkdirTemp("", "tpg")
	if err != nil {
		return "", fmt.Errorf("localpg: create socket directory: %w", err)
	}
	if err := prepareSocketDir(dir, port, a); err != nil {
		return "", errors.Join(err, os.Remove(dir))
	}
	return dir, nil
}

// prepareSocketDir checks and hands over a new socket directory.
func prepareSocketDir(dir, port string, a account) error {
	if !plainSocketDir(dir, port) {
		return fmt.Errorf("localpg: socket path %s is too long or unusual; set TMPDIR to a short directory such as /tmp", socketFile(dir, port))
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("localpg: chmod socket directory: %w", err)
	}
	if err := a.checkReach(dir); err != nil {
		return err
	}
	return a.own(dir)
}
