package leakhunt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"
)

// client is one of the hunt's concurrent clients. Its state is its own, so
// it needs no locks; its stats are merged into the report at the end.
type client struct {
	h       *hunt
	rng     *rand.Rand
	st      *stats
	created map[int][]int64 // by tenant index: items this client created and has not deleted
	index   int             // among the hunt's clients
	name    string          // starts the ids of its requests
	sent    int             // requests sent so far
	latency time.Duration   // moving average of its requests' latencies (see typical)
}

func (h *hunt) newClient(n int) *client {
	return &client{h: h, rng: rand.New(rand.NewPCG(h.cfg.Seed, uint64(n))), st: newStats(),
		created: map[int][]int64{}, index: n, name: fmt.Sprintf("c%d", n)}
}

// nextID returns an id for the client's next request, sent as X-Request-Id,
// by which the server's log lines are matched with requests.
func (c *client) nextID() string {
	c.sent++
	return fmt.Sprintf("%s.%d", c.name, c.sent)
}

// run does random actions until ctx ends, after its share of a first
// round in which the clients, of which there are n, deal every action out
// among themselves, so that each runs at least once however short the run.
// Each action finishes what it started even when ctx ends meanwhile, so
// that the end of the run is not mistaken for a cancelled request.
func (c *client) run(ctx context.Context, n int) {
	work := context.WithoutCancel(ctx)
	for i := c.index; i < len(actions); i += n {
		actions[i].run(c, work)
	}
	for ctx.Err() == nil {
		c.pick().run(c, work)
	}
}

// pick returns a random action, by weight.
func (c *client) pick() *action {
	n := c.rng.IntN(totalWeight)
	for i := range actions {
		if n < actions[i].weight {
			return &actions[i]
		}
		n -= actions[i].weight
	}
	panic("leakhunt: weights do not add up")
}

func (c *client) tenant() *tenant { return c.h.tenants[c.rng.IntN(len(c.h.tenants))] }

// other returns a random tenant other than t.
func (c *client) other(t *tenant) *tenant {
	i := c.rng.IntN(len(c.h.tenants) - 1)
	if i >= t.index {
		i++
	}
	return c.h.tenants[i]
}

func (c *client) role() string { return roles[c.rng.IntN(len(roles))] }

func (c *client) oneOf(ids []int64) int64 { return ids[c.rng.IntN(len(ids))] }

// request is one HTTP request to a tenant's host.
type request struct {
	method, path string
	role         string // whose token to send; "" for none
	token        string // a token to send instead of role's
	host         string // default the tenant's
	body         any    // nil for none, []byte as it is, anything else as JSON
	ifMatch      string
}

// response is an answer, read whole.
type response struct {
	id      string // the request's
	status  int
	header  http.Header
	body    []byte
	latency time.Duration
}

// send sends r to t's host. After an error, the response carries only the
// request's id (none when it could not be made).
func (c *client) send(ctx context.Context, t *tenant, r request) (*response, error) {
	body, err := encodeBody(r.body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.h.base+r.path, body)
	if err != nil {
		return nil, err
	}
	id := c.nextID()
	req.Header.Set("X-Request-Id", id)
	req.Host = t.host
	if r.host != "" {
		req.Host = r.host
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := r.token; tok != "" || r.role != "" {
		if tok == "" {
			tok = t.tokens[r.role]
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if r.ifMatch != "" {
		req.Header.Set("If-Match", r.ifMatch)
	}
	start := time.Now()
	resp, err := c.h.http.Do(req)
	if err != nil {
		return &response{id: id}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return &response{id: id}, err
	}
	return &response{id: id, status: resp.StatusCode, header: resp.Header, body: b, latency: time.Since(start)}, nil
}

func encodeBody(b any) (io.Reader, error) {
	switch b := b.(type) {
	case nil:
		return nil, nil
	case []byte:
		return bytes.NewReader(b), nil
	default:
		j, err := json.Marshal(b)
		return bytes.NewReader(j), err
	}
}

// call sends r to t's host as action name and records the outcome (see
// inspect). A request that ctx cancelled before its answer came is recorded
// as cancelled. It returns the answer, or nil when there was none.
func (c *client) call(ctx context.Context, name string, t *tenant, r request, want ...int) *response {
	resp, err := c.send(ctx, t, r)
	switch {
	case err != nil && ctx.Err() != nil:
		c.st.unanswered(name, "cancelled")
		if resp != nil {
			c.st.abandoned[resp.id] = true
		}
		return nil
	case err != nil:
		c.st.unanswered(name, "no answer")
		c.st.fail(name, ErrorTransport, "%s %s: %v", r.method, r.path, err)
		return nil
	}
	c.inspect(name, t, r, resp, want)
	return resp
}

// inspect records an answer to r in t: its status; an error for a 5xx or
// for a status not in want; a leak for any marker of another tenant in its
// body.
func (c *client) inspect(name string, t *tenant, r request, resp *response, want []int) {
	c.st.answered(name, resp.status, resp.latency)
	c.noteLatency(resp.latency)
	switch {
	case resp.status >= 500:
		c.st.seen5xx[resp.id] = true
		c.st.fail(name, Error5xx, "%s %s as %s: %d %s", r.method, r.path, r.role, resp.status, excerpt(resp.body))
	case !slices.Contains(want, resp.status):
		c.st.fail(name, ErrorStatus, "%s %s as %s: %d, want %v: %s", r.method, r.path, r.role, resp.status, want, excerpt(resp.body))
	}
	if foreign := ForeignMarkers(resp.body, t.marker); len(foreign) > 0 {
		c.leak(name, t, "%s %s answered %d with %d foreign marker(s), first %s: %s",
			r.method, r.path, resp.status, len(foreign), foreign[0], excerpt(resp.body))
	}
}

// leak records a leak in t during action name.
func (c *client) leak(name string, t *tenant, format string, args ...any) {
	c.st.leak(Finding{Action: name, Tenant: t.Slug, What: fmt.Sprintf(format, args...)})
}

// excerpt is the start of a body, for messages.
func excerpt(b []byte) string {
	const most = 300
	if len(b) > most {
		return string(b[:most]) + "..."
	}
	return string(b)
}
