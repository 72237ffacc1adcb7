package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves Go's profiling endpoints (/debug/pprof/) on
// TENANTRY_PPROF_ADDR when it is set, on that address only: never on the
// server's own, where tenants and the public would reach them. The returned
// function stops it. Unset: nothing is served.
func (a *app) startPprof(log *slog.Logger) (func(), error) {
	addr := a.getenv("TENANTRY_PPROF_ADDR")
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on TENANTRY_PPROF_ADDR %s: %w", addr, err)
	}
	return servePprof(ln, log), nil
}

// servePprof serves the profiling endpoints on ln until the returned
// function is called.
func servePprof(ln net.Listener, log *slog.Logger) func() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed on Close
	log.Info("profiling endpoints served", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	return func() { _ = srv.Close() }
}
