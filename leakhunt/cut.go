package leakhunt

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/tenantry/tenantry/auth"
)

// simple returns a random request of role in t that the API serves, with
// the statuses it may get: a read, or a write inside a transaction.
func (c *client) simple(t *tenant, role string) (request, []int) {
	switch c.rng.IntN(5) {
	case 0:
		return request{method: http.MethodGet, path: "/api/items/?limit=50", role: role}, []int{http.StatusOK}
	case 1:
		return request{method: http.MethodGet, path: "/api/profile/", role: role}, []int{http.StatusOK}
	case 2:
		return request{method: http.MethodGet, path: "/api/users/", role: role}, allowed(role, auth.UsersRead, http.StatusOK)
	case 3:
		return request{method: http.MethodPost, path: "/api/items/", role: role, body: c.newItem(t, "cut short")},
			allowed(role, auth.DataWrite, http.StatusCreated)
	default:
		return request{method: http.MethodPatch, path: itemPath(c.oneOf(t.items)), role: role,
			body: map[string]string{"description": t.marker + " cut short"}}, allowed(role, auth.DataWrite, http.StatusOK)
	}
}

// cutDelay is a random delay for cutting a request or transaction short at
// a random point: before it is sent, while the server reads it, while its
// transaction runs, or never (when it is quicker). It is up to twice what
// this client's requests took lately, so that the points spread the same
// on a quiet machine and a busy one.
func (c *client) cutDelay() time.Duration {
	return time.Duration(c.rng.Int64N(2*int64(c.typical()) + 1))
}

// typical is a moving average of this client's latencies.
func (c *client) typical() time.Duration {
	if c.latency == 0 {
		return 2 * time.Millisecond
	}
	return c.latency
}

// noteLatency adds d to the moving average.
func (c *client) noteLatency(d time.Duration) { c.latency = (9*c.typical() + d) / 10 }

// disconnect sends a request and hangs up after a random few milliseconds:
// the connection is closed, and the server's context for the request ends.
func (c *client) disconnect(ctx context.Context) {
	t, role := c.tenant(), c.role()
	r, want := c.simple(t, role)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.AfterFunc(c.cutDelay(), cancel)
	defer timer.Stop()
	c.call(ctx, "disconnect", t, r, want...)
}

// timeout sends a request with a very short deadline.
func (c *client) timeout(ctx context.Context) {
	t, role := c.tenant(), c.role()
	r, want := c.simple(t, role)
	ctx, cancel := context.WithTimeout(ctx, 50*time.Microsecond+c.cutDelay())
	defer cancel()
	c.call(ctx, "timeout", t, r, want...)
}

// halfRequest writes a request on a connection of its own and closes it:
// after part of the body, or after the whole request without reading the
// answer. There is no answer to check; the server's log is.
func (c *client) halfRequest(ctx context.Context) {
	t := c.tenant()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.h.addr)
	if err != nil {
		c.st.unanswered("half_request", "no answer")
		c.st.fail("half_request", ErrorTransport, "dial: %v", err)
		return
	}
	defer conn.Close()
	body := fmt.Sprintf(`{"name": "%s half %d", "description": "sent in part"}`, t.marker, c.rng.Uint32())
	id := c.nextID()
	head := fmt.Sprintf("POST /api/items/ HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nX-Request-Id: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", t.host, t.tokens[auth.RoleMember], id, len(body))
	outcome := "abandoned"
	if c.rng.IntN(2) == 0 {
		body, outcome = body[:c.rng.IntN(len(body))], "truncated"
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(head + body)); err != nil {
		c.st.unanswered("half_request", "no answer")
		c.st.fail("half_request", ErrorTransport, "write: %v", err)
		return
	}
	time.Sleep(c.cutDelay() / 2)
	c.st.unanswered("half_request", outcome)
	c.st.abandoned[id] = true
}
