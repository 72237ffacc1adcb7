package leakhunt

import (
	"context"
	"crypto/rand"
	"github.com/tenantry/tenantry/examples/items"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/registry"
)

// shutdownTimeout bounds the wait for the server's last requests.
const shutdownTimeout = 10 * time.Second

// serve starts the reference server on a loopback port, with the registry
// listening on cfg.ListenURL, and the clients' HTTP client; it returns a
// function that stops them, which may be called more than once.
func (h *hunt) serve(ctx context.Context) (stop func(), err error) {
	reg := registry.New(h.pool, nil)
	handler, err := h.newHandler(reg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h.addr = ln.Addr().String()
	h.base = "http://" + h.addr
	lctx, cancel := context.WithCancel(ctx)
	listening := make(chan struct{})
	go func() { defer close(listening); _ = reg.Listen(lctx, h.cfg.ListenURL) }() // returns when lctx ends
	// The server's own complaints (a superfluous WriteHeader, a panic it
	// caught) are errors of the hunt.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(h.watch.logger().Handler(), slog.LevelError)}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }() // returns ErrServerClosed on Close
	transport := &http.Transport{MaxIdleConnsPerHost: 2 * h.cfg.Clients}
	h.http = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var once sync.Once
	return func() {
		once.Do(func() {
			// The clients' idle connections go first: one that never sent a
			// request would hold Shutdown up for 5 s.
			transport.CloseIdleConnections()
			shutdown(ctx, srv)
			cancel()
			<-served
			<-listening
		})
	}, nil
}

// newHandler is the reference API with a new signing key, logging to the
// hunt's log watch.
func (h *hunt) newHandler(reg *registry.Registry) (http.Handler, error) {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails on Linux
	var err error
	if h.signer, err = auth.NewSigner(secret); err != nil {
		return nil, err
	}
	return api.NewHandler(&api.Config{Pool: h.pool, Resolver: reg, DB: h.db, Signer: h.signer, Logger: h.watch.logger(),
		Routes: []func(*api.Routes) error{items.Register}})
}

// shutdown waits for the handlers still running, those of abandoned
// requests included, so that their log lines are in, then closes srv.
func shutdown(ctx context.Context, srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	_ = srv.Shutdown(ctx)
	_ = srv.Close()
}
