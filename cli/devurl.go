package cli

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialTimeout bounds dialDatabase.
const dialTimeout = 3 * time.Second

// dialDatabase returns nil when something listens where url points: the
// server's Unix socket (host a directory) or TCP address. It does not log
// in: it tells a running server from the URL file a stopped "tenantry dev"
// left behind.
func dialDatabase(url string) error {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return err
	}
	network, addr := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, addr = "unix", filepath.Join(cfg.Host, ".s.PGSQL."+strconv.Itoa(int(cfg.Port)))
	}
	conn, err := net.DialTimeout(network, addr, dialTimeout)
	if err != nil {
		return err
	}
	return conn.Close()
}

// devNotRunning explains a URL file whose server does not answer: "tenantry
// dev" was stopped without removing it (killed, or the machine restarted).
func devNotRunning(stateDir string, err error) error {
	return usagef("DATABASE_URL is not set and \"tenantry dev\" is not running in this directory (%s is left from one that stopped abruptly: %v): start \"tenantry dev\" in this directory, or set DATABASE_URL",
		filepath.Join(stateDir, devURLFile), unwrapOp(err))
}

// unwrapOp shortens a dial error to its cause ("connection refused", "no
// such file or directory").
func unwrapOp(err error) error {
	if se, ok := errors.AsType[*os.SyscallError](err); ok {
		return se.Err
	}
	return err
}
