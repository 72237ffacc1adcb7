package api_test

import (
	"context"
	"fmt"
	"github.com/tenantry/tenantry/examples/items"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// itemsEndpoint is one of the items operations, on a given item.
type itemsEndpoint struct {
	name, method string
	path         func(id int64) string
	body         any
}

var itemsEndpoints = []itemsEndpoint{
	{"list", "GET", func(int64) string { return "/api/items/" }, nil},
	{"create", "POST", func(int64) string { return "/api/items" }, map[string]string{"name": "new"}},
	{"get", "GET", itemPath, nil},
	{"put", "PUT", func(id int64) string { return fmt.Sprintf("/api/items/%d", id) }, map[string]string{"name": "replaced"}},
	{"patch", "PATCH", itemPath, map[string]string{"description": "patched"}},
	{"delete", "DELETE", itemPath, nil},
}

func TestItemsRoleMatrix(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	want := map[string][]int{ // in the order of itemsEndpoints
		auth.RoleOwner:   {200, 201, 200, 200, 200, 204},
		auth.RoleAdmin:   {200, 201, 200, 200, 200, 204},
		auth.RoleMember:  {200, 201, 200, 200, 200, 204},
		auth.RoleViewer:  {200, 403, 200, 403, 403, 403},
		auth.RoleBilling: {403, 403, 403, 403, 403, 403},
		"anonymous":      {401, 401, 401, 401, 401, 401},
		"garbage token":  {401, 401, 401, 401, 401, 401},
	}
	tokens := map[string]string{"anonymous": "", "garbage token": "not.a.jwt"}
	for role, tok := range f.tokens {
		tokens[role] = tok
	}
	for role, statuses := range want {
		it := f.createItem(t, "for "+role)
		for i, e := range itemsEndpoints {
			r := f.call(t, e.method, "alpha.test", e.path(it.ID), tokens[role], e.body)
			if r.Status != statuses[i] {
				t.Errorf("%s %s as %s: %d %s, want %d", e.method, e.path(it.ID), role, r.Status, r.Body, statuses[i])
			}
			if r.Status == 403 && !strings.Contains(r.Body, "does not allow") {
				t.Errorf("%s %s as %s: 403 without a reason: %s", e.method, e.path(it.ID), role, r.Body)
			}
		}
	}
}

func TestItemsLifecycle(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	member, owner := f.tokens[auth.RoleMember], f.tokens[auth.RoleOwner]
	r := f.call(t, "POST", "alpha.test", "/api/items", member, map[string]string{"name": "  Tent  ", "description": "green"},
		"Content-Type", "application/json; charset=utf-8")
	var created items.Item
	r.decode(t, &created)
	if r.Status != 201 || r.Header.Get("Location") != itemPath(created.ID) || r.Header.Get("ETag") == "" {
		t.Fatalf("create: %d %v %s", r.Status, r.Header, r.Body)
	}
	if created.Name != "Tent" || created.Description != "green" || created.CreatedBy == nil ||
		*created.CreatedBy != f.users[auth.RoleMember].ID || *created.CreatedByUsername != "member" ||
		created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Errorf("created %+v", created)
	}
	r = f.call(t, "GET", "alpha.test", r.Header.Get("Location"), owner, nil)
	var got items.Item
	r.decode(t, &got)
	if r.Status != 200 || got.Name != "Tent" || got.ID != created.ID {
		t.Errorf("get: %d %s", r.Status, r.Body)
	}
	r = f.call(t, "PUT", "alpha.test", itemPath(created.ID), owner, map[string]string{"name": "Tarp"})
	r.decode(t, &got)
	if r.Status != 200 || got.Name != "Tarp" || got.Description != "" || *got.CreatedByUsername != "member" ||
		!got.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("put replaces every field and bumps updated_at: %d %s", r.Status, r.Body)
	}
	r = f.call(t, "PATCH", "alpha.test", itemPath(created.ID), owner, map[string]string{"description": "blue"})
	r.decode(t, &got)
	if r.Status != 200 || got.Name != "Tarp" || got.Description != "blue" {
		t.Errorf("patch changes only the fields given: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "DELETE", "alpha.test", userPath(f.users[auth.RoleMember].ID), owner, nil); r.Status != 204 {
		t.Fatalf("delete the item's creator: %d %s", r.Status, r.Body)
	}
	r = f.call(t, "GET", "alpha.test", itemPath(created.ID), owner, nil)
	r.decode(t, &got)
	if r.Status != 200 || got.CreatedBy != nil || got.CreatedByUsername != nil || !strings.Contains(r.Body, `"created_by":null`) {
		t.Errorf("an item outlives its creator, created_by null: %d %s", r.Status, r.Body)
	}
	if r := f.call(t, "DELETE", "alpha.test", itemPath(created.ID), owner, nil); r.Status != 204 || r.Body != "" {
		t.Errorf("delete: %d %s", r.Status, r.Body)
	}
	for _, e := range itemsEndpoints[2:] {
		r := f.call(t, e.method, "alpha.test", e.path(created.ID), owner, e.body)
		want := fmt.Sprintf("item %d not found", created.ID)
		if r.Status != 404 || !strings.Contains(r.Body, want) || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s a deleted item: %d %s", e.method, r.Status, r.Body)
		}
	}
}

func TestItemsPagination(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	f.inAlpha(t, func(ctx context.Context, tx *tenantdb.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO items (name) SELECT 'item ' || n FROM generate_series(1, 24) n")
		return err
	})
	newest := f.createItem(t, "newest")
	tok := f.tokens[auth.RoleViewer]
	for _, c := range []struct {
		query                string
		limit, offset, count int
	}{
		{"", 20, 0, 20},
		{"?limit=10&offset=20", 10, 20, 5},
		{"?limit=100", 100, 0, 25},
		{"?offset=24", 20, 24, 1},
		{"?offset=25", 20, 25, 0},
		{"?offset=1000", 20, 1000, 0},
	} {
		r := f.call(t, "GET", "alpha.test", "/api/items"+c.query, tok, nil)
		var page api.Page[items.Item]
		r.decode(t, &page)
		if r.Status != 200 || page.Count != 25 || page.Limit != c.limit || page.Offset != int64(c.offset) ||
			len(page.Results) != c.count || page.Results == nil {
			t.Errorf("GET /api/items%s: %d count %d limit %d offset %d, %d results", c.query, r.Status,
				page.Count, page.Limit, page.Offset, len(page.Results))
			continue
		}
		if c.offset == 0 && page.Results[0].ID != newest.ID {
			t.Errorf("GET /api/items%s: first is %d, want the newest, %d", c.query, page.Results[0].ID, newest.ID)
		}
		// The 24 inserted together share created_at: newest first means id descending.
		if !slices.IsSortedFunc(page.Results, func(a, b items.Item) int { return int(b.ID - a.ID) }) {
			t.Errorf("GET /api/items%s: not newest first: %+v", c.query, page.Results)
		}
	}
}

func TestItemsETagPreconditions(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	tok := f.tokens[auth.RoleMember]
	it := f.createItem(t, "tent")
	path := itemPath(it.ID)
	etag := func() string {
		t.Helper()
		r := f.call(t, "GET", "alpha.test", path, tok, nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("ETag"), `W/"`) {
			t.Fatalf("GET: %d %v", r.Status, r.Header)
		}
		return r.Header.Get("ETag")
	}
	e1 := etag()
	r := f.call(t, "PATCH", "alpha.test", path, tok, map[string]string{"name": "a"}, "If-Match", e1)
	if r.Status != 200 || r.Header.Get("ETag") == e1 || r.Header.Get("ETag") != etag() {
		t.Fatalf("PATCH with the current ETag: %d, ETag %q after %q", r.Status, r.Header.Get("ETag"), e1)
	}
	e2 := etag()
	for _, c := range []struct {
		method, ifMatch string
		want            int
	}{
		{"PATCH", e1, 412},
		{"PUT", e1, 412},
		{"DELETE", e1, 412},
		{"PATCH", `"garbage"`, 412},
		{"PATCH", `W/"12"`, 412},
		{"PATCH", e2, 200},                      // moves the item to e3
		{"PUT", e2, 412},                        // e2 is stale now
		{"PUT", "*", 200},                       // any version
		{"PATCH", `W/"1", ` + "<current>", 200}, // one of a list
		{"PATCH", "<strong current>", 200},      // the strong form of our weak tag
		{"DELETE", "<current>", 204},
		{"PATCH", "*", 404},
		{"DELETE", e2, 404},
	} {
		im := c.ifMatch
		if strings.Contains(im, "current>") {
			cur := etag()
			if strings.Contains(im, "strong") {
				cur = strings.TrimPrefix(cur, "W/")
			}
			im = strings.ReplaceAll(strings.ReplaceAll(im, "<strong current>", cur), "<current>", cur)
		}
		before := f.call(t, "GET", "alpha.test", path, tok, nil)
		var body any
		if c.method != "DELETE" {
			body = map[string]string{"name": "b"}
		}
		r := f.call(t, c.method, "alpha.test", path, tok, body, "If-Match", im)
		if r.Status != c.want {
			t.Errorf("%s If-Match %s: %d %s, want %d", c.method, im, r.Status, r.Body, c.want)
		}
		if c.want == 412 {
			after := f.call(t, "GET", "alpha.test", path, tok, nil)
			if !strings.Contains(r.Body, "has changed") || r.Header.Get("ETag") != after.Header.Get("ETag") ||
				after.Body != before.Body {
				t.Errorf("%s If-Match %s: a 412 must change nothing and give the current ETag: %v %s", c.method, im, r.Header, r.Body)
			}
		}
	}
}

// TestItemsConcurrentPatches pins down the documented rule: without If-Match
// PATCHes of different fields both hold; with the same If-Match exactly one
// wins and the other gets 412.
func TestItemsConcurrentPatches(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	tok := f.tokens[auth.RoleMember]
	concurrently := func(reqs ...func() apiResponse) []apiResponse {
		out := make([]apiResponse, len(reqs))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, req := range reqs {
			wg.Go(func() { <-start; out[i] = req() })
		}
		close(start)
		wg.Wait()
		return out
	}
	for round := range 10 {
		it := f.createItem(t, "tent")
		path := itemPath(it.ID)
		patch := func(field, value, ifMatch string) func() apiResponse {
			return func() apiResponse {
				return f.call(t, "PATCH", "alpha.test", path, tok, map[string]string{field: value}, "If-Match", ifMatch)
			}
		}
		rs := concurrently(patch("name", "tarp", ""), patch("description", "blue", ""))
		var got items.Item
		f.call(t, "GET", "alpha.test", path, tok, nil).decode(t, &got)
		if rs[0].Status != 200 || rs[1].Status != 200 || got.Name != "tarp" || got.Description != "blue" {
			t.Fatalf("round %d: PATCHes of two fields: %d, %d, item %+v", round, rs[0].Status, rs[1].Status, got)
		}
		etag := f.call(t, "GET", "alpha.test", path, tok, nil).Header.Get("ETag")
		rs = concurrently(patch("name", "first", etag), patch("name", "second", etag))
		statuses := []int{rs[0].Status, rs[1].Status}
		winner := map[bool]string{true: "first", false: "second"}[rs[0].Status == 200]
		f.call(t, "GET", "alpha.test", path, tok, nil).decode(t, &got)
		if slices.Sorted(slices.Values(statuses))[0] != 200 || slices.Max(statuses) != 412 || got.Name != winner {
			t.Fatalf("round %d: PATCHes with one If-Match: %v, title %q", round, statuses, got.Name)
		}
	}
}

func TestItemsBadInput(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	it := f.createItem(t, "tent")
	path := itemPath(it.ID)
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, c := range []struct {
		name, method, path string
		body               any
		header             []string
		want               int
		msg                string
	}{
		{"malformed JSON", "POST", "/api/items", `{"name": "x"`, nil, 400, "unexpected end of JSON"},
		{"not an object", "POST", "/api/items", `["x"]`, nil, 422, "expected object"},
		{"wrong type", "POST", "/api/items", `{"name": 5}`, nil, 422, "expected string"},
		{"unknown field", "POST", "/api/items", `{"name": "x", "colour": "red"}`, nil, 422, "unexpected property"},
		{"missing title", "POST", "/api/items", `{"description": "x"}`, nil, 422, "expected required property name"},
		{"empty body", "POST", "/api/items", "", nil, 400, "request body is required"},
		{"empty title", "POST", "/api/items", `{"name": ""}`, nil, 422, "expected length >= 1"},
		{"blank title", "POST", "/api/items", `{"name": " \t "}`, nil, 422, "name must not be blank"},
		{"title of 201 characters", "POST", "/api/items", map[string]string{"name": long(201)}, nil, 422, "expected length <= 200"},
		{"description of 10001 characters", "POST", "/api/items", map[string]string{"name": "x", "description": long(10001)}, nil, 422, "expected length <= 10000"},
		{"NUL in title", "POST", "/api/items", `{"name": "a\u0000b"}`, nil, 422, "name must not contain NUL"},
		{"NUL in description", "PATCH", path, `{"description": "a\u0000b"}`, nil, 422, "description must not contain NUL"},
		{"wrong content type", "POST", "/api/items", `{"name": "x"}`, []string{"Content-Type", "text/plain"}, 415, "unknown content type"},
		{"body over 1 MiB", "POST", "/api/items", `{"name": "x", "description": "` + strings.Repeat("x", api.MaxBodyBytes) + `"}`, nil, 413, "too large"},
		{"empty patch", "PATCH", path, `{}`, nil, 422, "nothing to change"},
		{"null in patch", "PATCH", path, `{"name": null}`, nil, 422, "nothing to change"},
		{"put without title", "PUT", path, `{"description": "x"}`, nil, 422, "expected required property name"},
		{"non-numeric id", "GET", "/api/items/abc/", nil, nil, 422, "invalid integer"},
		{"zero id", "GET", "/api/items/0", nil, nil, 422, "expected number >= 1"},
		{"negative id", "DELETE", "/api/items/-3", nil, nil, 422, "expected number >= 1"},
		{"id beyond int64", "GET", "/api/items/99999999999999999999", nil, nil, 422, "invalid integer"},
		{"missing id", "GET", "/api/items/424242", nil, nil, 404, "item 424242 not found"},
		{"patch missing id", "PATCH", "/api/items/424242", `{"name": "x"}`, nil, 404, "item 424242 not found"},
		{"limit 0", "GET", "/api/items?limit=0", nil, nil, 422, "expected number >= 1"},
		{"limit 101", "GET", "/api/items?limit=101", nil, nil, 422, "expected number <= 100"},
		{"limit not a number", "GET", "/api/items?limit=ten", nil, nil, 422, "invalid integer"},
		{"negative offset", "GET", "/api/items?offset=-1", nil, nil, 422, "expected number >= 0"},
		{"token too long", "GET", "/api/items", nil, []string{"Authorization", "Bearer " + strings.Repeat("a", 5000)}, 401, "authentication required"},
	} {
		r := f.call(t, c.method, "alpha.test", c.path, f.tokens[auth.RoleOwner], c.body, c.header...)
		if r.Status != c.want || !strings.Contains(r.Body, c.msg) || r.Header.Get("Content-Type") != "application/problem+json" {
			body := r.Body
			if len(body) > 300 {
				body = body[:300] + "..."
			}
			t.Errorf("%s: %d %s %s, want %d with %q", c.name, r.Status, r.Header.Get("Content-Type"), body, c.want, c.msg)
		}
	}
	var got items.Item
	f.call(t, "GET", "alpha.test", path, f.tokens[auth.RoleOwner], nil).decode(t, &got)
	if got.Name != "tent" || got.Description != "" {
		t.Errorf("bad input changed the item: %+v", got)
	}
}

func TestItemsStayInTheirTenant(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	var ids []int64
	for i := range 3 {
		ids = append(ids, f.createItem(t, fmt.Sprintf("alpha secret %d", i)).ID)
	}
	r := f.call(t, "GET", "beta.test", "/api/items", f.betaOwner, nil)
	if r.Status != 200 || !strings.Contains(r.Body, `"count":0`) || strings.Contains(r.Body, "alpha secret") {
		t.Errorf("beta's list: %d %s", r.Status, r.Body)
	}
	id := slices.Max(ids) // no item of beta has this id
	for _, e := range itemsEndpoints[2:] {
		if r := f.call(t, e.method, "beta.test", e.path(id), f.betaOwner, e.body); r.Status != 404 {
			t.Errorf("%s alpha's item %d on beta: %d %s", e.method, id, r.Status, r.Body)
		}
	}
	f.call(t, "POST", "beta.test", "/api/items", f.betaOwner, map[string]string{"name": "beta's own"})
	r = f.call(t, "GET", "beta.test", "/api/items", f.betaOwner, nil)
	if !strings.Contains(r.Body, `"count":1`) || !strings.Contains(r.Body, "beta's own") || strings.Contains(r.Body, "alpha secret") {
		t.Errorf("beta's list: %d %s", r.Status, r.Body)
	}
	r = f.call(t, "GET", "alpha.test", "/api/items", f.tokens[auth.RoleViewer], nil)
	if !strings.Contains(r.Body, `"count":3`) || strings.Contains(r.Body, "beta's own") {
		t.Errorf("alpha's list: %d %s", r.Status, r.Body)
	}
}

// TestItemsAndUsersRefuseAlphaTokenOnBeta sends alpha's owner's token to
// every items and users endpoint on beta's host, at ids that exist in beta.
func TestItemsAndUsersRefuseAlphaTokenOnBeta(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	f.call(t, "POST", "beta.test", "/api/items", f.betaOwner, map[string]string{"name": "beta's"})
	endpoints := slices.Concat(itemsEndpoints, usersEndpoints)
	for _, e := range endpoints {
		r := f.call(t, e.method, "beta.test", e.path(1), f.tokens[auth.RoleOwner], e.body)
		if r.Status != 401 || !strings.Contains(r.Body, "valid access token for this tenant") {
			t.Errorf("%s %s on beta with alpha's token: %d %s", e.method, e.path(1), r.Status, r.Body)
		}
	}
	r := f.call(t, "GET", "beta.test", "/api/items/1", f.betaOwner, nil)
	if r.Status != 200 || !strings.Contains(r.Body, "beta's") {
		t.Errorf("beta's item after the attempts: %d %s", r.Status, r.Body)
	}
}
