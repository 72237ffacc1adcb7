package api_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// smallBufferListener gives each accepted connection a small send buffer,
// so that a large response blocks in the middle of its body until the
// client reads it.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestResponseCutShortByTheClientWritesItsHeaderOnce sends a request whose
// answer is a megabyte of items, reads the status line and hangs up while
// the handler is still writing the body. The write fails; whether the
// handler then sees its context cancelled (huma sets the status 499) or
// not (huma panics, the panic handler notes a 500), the status line already
// went out: the server's error log must not say "superfluous
// response.WriteHeader", and the request is logged once with the status it
// ended with.
func TestResponseCutShortByTheClientWritesItsHeaderOnce(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, withItems)
	alpha := env.CreateTenant(t, "alpha")
	var owner *auth.User
	err := env.DB.InTenant(context.Background(), alpha, func(tx *tenantdb.Tx) error {
		var err error
		ctx := context.Background()
		if owner, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: "cutter", Email: "cutter@alpha.test",
			Password: "cutter-password", Role: auth.RoleOwner}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO items (name, description) SELECT 'item ' || i, repeat('x', 10000) FROM generate_series(1, 100) i")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("w", 32)))
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := signer.IssueForTenant(alpha, owner)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	serverErrors := &lockedBuffer{}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = smallBufferListener{srv.Listener}
	srv.Config.ErrorLog = log.New(serverErrors, "", 0)
	srv.Start()

	const requests = 5
	for i := range requests {
		cutShort(t, srv.Listener.Addr().String(), token, fmt.Sprintf("cut-%d", i))
	}
	srv.Close() // waits for the handlers
	if got := serverErrors.b.String(); got != "" {
		t.Errorf("the server's error log says:\n%s", got)
	}
	logged := 0
	for _, l := range logs.lines() {
		if id, _ := l["request_id"].(string); l["msg"] == "request" && strings.HasPrefix(id, "cut-") {
			logged++
			// The log tells the request did not end well: the client
			// closed it (499), or the write failed before the handler saw
			// that (huma panics: 500).
			if st := l["status"]; st != 499.0 && st != 500.0 {
				t.Errorf("request %s logged with status %v, want 499 or 500", id, st)
			}
		}
	}
	if logged != requests {
		t.Errorf("%d request lines for %d requests cut short:\n%s", logged, requests, logs.b.String())
	}
}

// cutShort asks for a page of 100 large items, reads the status line and
// closes the connection with most of the body unread (which resets it).
func cutShort(t *testing.T, addr, token, id string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	fmt.Fprintf(conn, "GET /api/items/?limit=100 HTTP/1.1\r\nHost: alpha.test\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n\r\n", token, id)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		t.Fatalf("status line %q, %v; want 200", status, err)
	}
}
