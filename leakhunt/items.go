package leakhunt

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/examples/items"
)

func itemPath(id int64) string { return fmt.Sprintf("/api/items/%d/", id) }

// allowed is want when role has perm, else 403.
func allowed(role string, perm auth.Permission, want ...int) []int {
	if auth.DefaultPolicy.Allows(role, perm) {
		return want
	}
	return []int{http.StatusForbidden}
}

// inBlock reports whether id was numbered by t (see idBlock).
func (t *tenant) inBlock(id int64) bool {
	first := int64(t.index+1) * idBlock
	return id >= first && id < first+idBlock
}

// ownItem returns one of t's items that exists: one it started with (never
// deleted) or one this client created.
func (c *client) ownItem(t *tenant) int64 {
	if mine := c.created[t.index]; len(mine) > 0 && c.rng.IntN(3) == 0 {
		return c.oneOf(mine)
	}
	return c.oneOf(t.items)
}

// newItem is a valid item body carrying t's marker.
func (c *client) newItem(t *tenant, what string) map[string]string {
	return map[string]string{"name": fmt.Sprintf("%s %s %d", t.marker, what, c.rng.Uint32()),
		"description": what + " by a client of " + t.marker}
}

func (c *client) listItems(ctx context.Context) {
	t := c.tenant()
	path := fmt.Sprintf("/api/items/?limit=%d&offset=%d", 1+c.rng.IntN(100), c.rng.IntN(c.h.cfg.Items+10))
	resp := c.call(ctx, "list_items", t, request{method: http.MethodGet, path: path, role: c.role()}, http.StatusOK)
	c.checkPage("list_items", t, resp)
}

// checkPage checks that every entry of a page carries t's marker.
func (c *client) checkPage(name string, t *tenant, resp *response) {
	if resp == nil || resp.status != http.StatusOK {
		return
	}
	switch n := UnmarkedRows(resp.body, t.marker); {
	case n < 0:
		c.st.fail(name, ErrorStatus, "200 is not a page: %s", excerpt(resp.body))
	case n > 0:
		c.leak(name, t, "%d entries of a page without the tenant's marker: %s", n, excerpt(resp.body))
	}
}

func (c *client) getItem(ctx context.Context) {
	t := c.tenant()
	id := c.ownItem(t)
	resp := c.call(ctx, "get_item", t, request{method: http.MethodGet, path: itemPath(id), role: c.role()}, http.StatusOK)
	c.checkItem("get_item", t, id, resp)
}

// checkItem checks that an item answered is item id of t; id 0 takes any of
// t's ids. It returns the item, or nil.
func (c *client) checkItem(name string, t *tenant, id int64, resp *response) *items.Item {
	if resp == nil || resp.status/100 != 2 {
		return nil
	}
	var it items.Item
	if err := json.Unmarshal(resp.body, &it); err != nil {
		c.st.fail(name, ErrorStatus, "%d is not an item: %s", resp.status, excerpt(resp.body))
		return nil
	}
	if (id != 0 && it.ID != id) || !t.inBlock(it.ID) || !strings.Contains(it.Name, t.marker) {
		c.leak(name, t, "asked for item %d, got another tenant's or unmarked: %s", id, excerpt(resp.body))
		return nil
	}
	return &it
}

func (c *client) getForeignItem(ctx context.Context) {
	t := c.tenant()
	id := c.oneOf(c.other(t).items)
	resp := c.call(ctx, "get_foreign_item", t, request{method: http.MethodGet, path: itemPath(id), role: c.role()}, http.StatusNotFound)
	if resp != nil && resp.status/100 == 2 {
		c.leak("get_foreign_item", t, "another tenant's item %d answered %d: %s", id, resp.status, excerpt(resp.body))
	}
}

func (c *client) writeForeignItem(ctx context.Context) {
	t, role := c.tenant(), c.role()
	id := c.oneOf(c.other(t).items)
	r := request{method: []string{http.MethodPatch, http.MethodPut, http.MethodDelete}[c.rng.IntN(3)], path: itemPath(id), role: role}
	if r.method != http.MethodDelete {
		r.body = c.newItem(t, "hijack")
	}
	resp := c.call(ctx, "write_foreign_item", t, r, allowed(role, auth.DataWrite, http.StatusNotFound)...)
	if resp != nil && resp.status/100 == 2 {
		c.leak("write_foreign_item", t, "%s of another tenant's item %d answered %d", r.method, id, resp.status)
	}
}

func (c *client) createItem(ctx context.Context) { c.createAs(ctx, c.tenant(), c.role()) }

// createAs creates an item in t as role, and notes it among the client's.
func (c *client) createAs(ctx context.Context, t *tenant, role string) {
	r := request{method: http.MethodPost, path: "/api/items/", role: role, body: c.newItem(t, "created")}
	resp := c.call(ctx, "create_item", t, r, allowed(role, auth.DataWrite, http.StatusCreated)...)
	if it := c.checkItem("create_item", t, 0, resp); it != nil {
		c.created[t.index] = append(c.created[t.index], it.ID)
	}
}

// invalidItems are item bodies the API refuses, with the status each gets.
// None reaches the database: the DB-refused writes are user_conflict's and
// create_user_duplicate's, and the library actions'.
func invalidItems(marker string) []struct {
	body   any
	status int
} {
	return []struct {
		body   any
		status int
	}{
		{[]byte(`{"name": "` + marker), http.StatusBadRequest},
		{map[string]any{"name": marker, "bogus": 1}, http.StatusUnprocessableEntity},
		{map[string]any{"name": marker + strings.Repeat("x", 200)}, http.StatusUnprocessableEntity},
		{map[string]any{"name": "   "}, http.StatusUnprocessableEntity},
		{map[string]any{"name": marker, "description": "nul \x00"}, http.StatusUnprocessableEntity},
		{map[string]any{"name": 42}, http.StatusUnprocessableEntity},
		{[]byte(`{"name": "` + marker + `", "description": "` + strings.Repeat("x", api.MaxBodyBytes) + `"}`), http.StatusRequestEntityTooLarge},
	}
}

func (c *client) createInvalid(ctx context.Context) {
	t := c.tenant()
	bodies := invalidItems(t.marker)
	b := bodies[c.rng.IntN(len(bodies))]
	role := c.role()
	want := []int{b.status}
	if !auth.DefaultPolicy.Allows(role, auth.DataWrite) {
		// A role that may not write learns either: the body's checks and
		// the permission's come in the order the route declares them.
		want = append(want, http.StatusForbidden)
	}
	c.call(ctx, "create_invalid", t, request{method: http.MethodPost, path: "/api/items/", role: role, body: b.body}, want...)
}

// staleIfMatch reads an item, changes it with its ETag, and changes it
// again with the same, now stale, ETag: 412.
func (c *client) staleIfMatch(ctx context.Context) {
	const name = "stale_if_match"
	t, role := c.tenant(), c.role()
	id := c.oneOf(t.items)
	resp := c.call(ctx, name, t, request{method: http.MethodGet, path: itemPath(id), role: role}, http.StatusOK)
	if c.checkItem(name, t, id, resp) == nil {
		return
	}
	etag := resp.header.Get("ETag")
	body := map[string]string{"description": t.marker + " patched"}
	r := request{method: http.MethodPatch, path: itemPath(id), role: role, body: body, ifMatch: etag}
	// Another client may have changed the item since the GET: 412 then.
	c.checkItem(name, t, id, c.call(ctx, name, t, r, allowed(role, auth.DataWrite, http.StatusOK, http.StatusPreconditionFailed)...))
	c.call(ctx, name, t, r, allowed(role, auth.DataWrite, http.StatusPreconditionFailed)...)
}

func (c *client) putItem(ctx context.Context) {
	t, role := c.tenant(), c.role()
	id := c.ownItem(t)
	r := request{method: http.MethodPut, path: itemPath(id), role: role, body: c.newItem(t, "replaced")}
	if c.rng.IntN(2) == 0 {
		r.ifMatch = "*"
	}
	c.checkItem("put_item", t, id, c.call(ctx, "put_item", t, r, allowed(role, auth.DataWrite, http.StatusOK)...))
}

// deleteItem deletes an item this client created (creating one as the
// member when it has none), sometimes with a stale If-Match first.
func (c *client) deleteItem(ctx context.Context) {
	t, role := c.tenant(), c.role()
	if len(c.created[t.index]) == 0 {
		c.createAs(ctx, t, auth.RoleMember)
	}
	mine := c.created[t.index]
	if len(mine) == 0 {
		return // the create failed, and says why
	}
	id := mine[len(mine)-1]
	r := request{method: http.MethodDelete, path: itemPath(id), role: role}
	if c.rng.IntN(3) == 0 {
		stale := r
		stale.ifMatch = `W/"1"`
		c.call(ctx, "delete_item", t, stale, allowed(role, auth.DataWrite, http.StatusPreconditionFailed)...)
	}
	resp := c.call(ctx, "delete_item", t, r, allowed(role, auth.DataWrite, http.StatusNoContent)...)
	if resp != nil && resp.status == http.StatusNoContent {
		c.created[t.index] = mine[:len(mine)-1]
	}
}
