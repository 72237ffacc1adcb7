package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/api"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/jobs"
	"github.com/tenantry/tenantry/signup"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanttest"
)

// The cross-tenant matrix (issue 3, item 2): every bearer-secured tenant
// operation of the served OpenAPI document, called with each kind of token
// that must not work, answers 401 problem+json carrying no tenant's data;
// on a suspended tenant's host it answers 503 before any token is read. A
// positive control per operation proves each request would otherwise be
// served, and snapshots of every tenant's rows prove no refused request
// wrote anything.

// matrixSecret is the signing secret of the matrix's server.
var matrixSecret = []byte("cross-tenant matrix signing secret, more than 32 bytes")

// opRecipe is how the matrix calls one operation. body makes a minimal
// valid body marked with tag; nil means the operation takes no body.
type opRecipe struct {
	body func(tag string) map[string]any
}

// opRecipes has an entry for every bearer-secured tenant operation, keyed
// by operationId. An operation served without one fails the matrix, so a
// new endpoint cannot slip past it; so does an entry for one not served.
var opRecipes = map[string]opRecipe{
	"profile":     {},
	"listItems":   {},
	"getItem":     {},
	"deleteItem":  {},
	"createItem":  {body: itemRecipe},
	"replaceItem": {body: itemRecipe},
	"patchItem":   {body: itemRecipe},
	"listUsers":   {},
	"getUser":     {},
	"deleteUser":  {},
	"createUser": {body: func(tag string) map[string]any {
		return map[string]any{"username": "xt_" + tag, "email": "xt_" + tag + "@example.com", "password": "xt-password-" + tag}
	}},
	"patchUser":            {body: func(tag string) map[string]any { return map[string]any{"email": "xt_" + tag + "@example.com"} }},
	"list-audit":           {},
	"list-join-requests":   {},
	"approve-join-request": {},
	"reject-join-request":  {},
	"list-email-domains":   {},
	"patch-email-domain":   {body: func(string) map[string]any { return map[string]any{"auto_join": true} }},
	"export-data":          {},
}

func itemRecipe(tag string) map[string]any { return map[string]any{"name": "xt " + tag} }

// publicOpRecipes are the tenant operations meant to need no bearer token,
// with how to call them: they get only the suspended-tenant cases. Any other
// tenant operation that does not require a bearer token fails the matrix.
var publicOpRecipes = map[string]opRecipe{
	"tenant-info": {},
	"login": {body: func(tag string) map[string]any {
		return map[string]any{"username": "owner", "password": "owner-password"}
	}},
	"refresh": {body: refreshRecipe},
	"revoke":  {body: refreshRecipe},
}

func refreshRecipe(tag string) map[string]any { return map[string]any{"refresh": "xt-" + tag} }

// leakMarkers must not appear in a refusal: the tenants' item titles, user
// emails, names and schemas, and the members of their data's JSON.
var leakMarkers = []string{"secret", "@alpha.test", "@beta.test", "@gamma.test", "Tenant alpha", "Tenant beta",
	"Tenant gamma", "tenant_", `"results"`, `"username"`, `"email"`, `"created_by"`, `"role"`}

// problemMembers are the members a refusal's problem document may have.
var problemMembers = []string{"$schema", "type", "title", "status", "detail", "instance", "errors"}

// matrixOp is one operation of the served document, as the matrix calls it.
type matrixOp struct {
	id, method, path string
	recipe           opRecipe
	// resource is what the path names by {id} ("items", "users",
	// "join-requests") or {domain} ("email-domains"), else "".
	resource string
	public   bool // needs no bearer token: only the suspended-tenant cases apply
}

// matrixCase is one request that must be refused.
type matrixCase struct {
	name string
	host string // the tenant host it is sent to
	auth string // the Authorization header; "" sends none
	want int
}

// matrixFixture is the real server, with the platform API, on a fresh
// database with three tenants. Alpha holds the data the requests aim at:
// for each operation that names an item or user, a probe (aimed at by the
// refused requests) and a control (the positive control's), with ids that
// do not exist in beta. Beta has its owner and one item. Gamma, suspended,
// has its owner (logged in before the suspension) and one item.
type matrixFixture struct {
	*apiFixture
	gamma          *tenantry.Tenant
	ops            []matrixOp
	probe, control map[string]string // alpha's target id or domain by operationId
	gammaIDs       map[string]string // gamma's id or domain by resource
	// Tokens got by logging in: alpha's viewer's, those of two alpha owners
	// since deleted and deactivated, gamma's owner's and an operator's.
	viewer, deleted, idle, gammaOwner, oper string
}

// TestCrossTenantMatrix presents every bearer-secured tenant operation with
// tokens of another tenant, expired, of another algorithm, tampered, of
// deleted or deactivated users, of an operator, or none that parses, and
// expects 401; on a suspended tenant, 503.
func TestCrossTenantMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	f := setupMatrix(t)
	cases := f.cases(t)
	before := f.snapshots(t)
	var tags atomic.Int64
	matrixStart := time.Now()
	t.Run("ops", func(t *testing.T) {
		for _, op := range f.ops {
			t.Run(op.id, func(t *testing.T) {
				t.Parallel()
				if !op.public {
					t.Run("control", func(t *testing.T) {
						t.Parallel()
						f.checkControl(t, op, fmt.Sprintf("ok%d", tags.Add(1)))
					})
				}
				for _, c := range cases {
					if op.public && c.want != http.StatusServiceUnavailable {
						continue
					}
					t.Run(c.name, func(t *testing.T) {
						t.Parallel()
						r := f.send(t, op, c.host, c.auth, fmt.Sprintf("refused%d", tags.Add(1)))
						checkRefusal(t, r, c.want)
					})
				}
			})
		}
	})
	after := f.snapshots(t)
	for _, row := range before {
		if !slices.Contains(after, row) {
			t.Errorf("a refused request changed or deleted %s", row)
		}
	}
	for _, row := range after {
		if !slices.Contains(before, row) {
			t.Errorf("a refused request wrote %s", row)
		}
	}
	t.Logf("%d bearer operations x (%d refusals + 1 control), %d public operations x the suspended-tenant cases: "+
		"%d requests in %v after a %v setup", len(f.ops)-publicOps(f.ops), len(cases), publicOps(f.ops),
		tags.Load(), time.Since(matrixStart).Round(time.Millisecond), matrixStart.Sub(start).Round(time.Millisecond))
}

func setupMatrix(t *testing.T) *matrixFixture {
	t.Helper()
	env := tenanttest.Setup(t, withItems)
	f := &matrixFixture{apiFixture: &apiFixture{env: env, alpha: env.CreateTenant(t, "alpha"), beta: env.CreateTenant(t, "beta"),
		users: map[string]*auth.User{}, tokens: map[string]string{}}, gamma: env.CreateTenant(t, "gamma")}
	ctx := context.Background()
	if _, err := auth.CreateOperator(ctx, env.Pool, auth.NewOperator{Username: "root", Email: "root@platform.test",
		Password: "operator-password"}); err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner(matrixSecret)
	if err != nil {
		t.Fatal(err)
	}
	j, err := jobs.New(jobs.Config{Pool: env.Pool, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := signup.New(signup.Config{Pool: env.Pool, Provisioner: env.Provisioner, Jobs: j, BaseURL: "http://" + platformHost})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(&api.Config{Routes: itemRoutes, Pool: env.Pool, Resolver: env.Registry, DB: env.DB, Signer: signer,
		FallbackDomains: []string{platformHost}, Provisioner: env.Provisioner, Registry: env.Registry, Signup: svc})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	f.seed(t)
	f.logIn(t)
	f.retireUsers(t)
	if _, err := env.Registry.SetStatus(ctx, "gamma", tenantry.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	f.ops = servedTenantOps(t, f.apiFixture)
	f.createTargets(t)
	f.checkForgeryMirrorsServer(t)
	return f
}

// seed gives each tenant an item, and alpha a viewer and two more owners,
// "gone" and "idle", to be deleted and deactivated once logged in.
func (f *matrixFixture) seed(t *testing.T) {
	t.Helper()
	for _, ten := range []*tenantry.Tenant{f.alpha, f.beta} {
		f.insertItem(t, ten, ten.Slug+" secret")
	}
	f.gammaIDs = map[string]string{"items": itoa(f.insertItem(t, f.gamma, "gamma secret")), "users": itoa(f.userID(t, f.gamma, "owner")),
		"join-requests": itoa(f.insertJoinRequest(t, f.gamma, "secret@gamma-mail.test")),
		"email-domains": f.insertEmailDomain(t, f.gamma, "gamma-mail.test")}
	f.users[auth.RoleOwner] = &auth.User{ID: f.userID(t, f.alpha, "owner"), Username: "owner", Role: auth.RoleOwner}
	f.users[auth.RoleViewer] = f.createUser(t, "viewer", auth.RoleViewer)
	f.users["gone"] = f.createUser(t, "gone", auth.RoleOwner)
	f.users["idle"] = f.createUser(t, "idle", auth.RoleOwner)
}

// logIn gets every token the matrix needs through the login endpoints.
func (f *matrixFixture) logIn(t *testing.T) {
	t.Helper()
	var owner string
	logins := []struct {
		to             *string
		host, user, pw string
	}{
		{&owner, "alpha.test", "owner", "owner-password"},
		{&f.viewer, "alpha.test", "viewer", "viewer-password"},
		{&f.deleted, "alpha.test", "gone", "gone-password"},
		{&f.idle, "alpha.test", "idle", "idle-password"},
		{&f.betaOwner, "beta.test", "owner", "owner-password"},
		{&f.gammaOwner, "gamma.test", "owner", "owner-password"},
	}
	var wg sync.WaitGroup
	for _, l := range logins {
		wg.Go(func() { *l.to = f.login(t, l.host, l.user, l.pw) })
	}
	wg.Go(func() { f.oper = f.operatorLogin(t) })
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	f.tokens[auth.RoleOwner] = owner
}

func (f *matrixFixture) operatorLogin(t *testing.T) string {
	r := f.call(t, "POST", platformHost, "/api/platform/token/", "", map[string]string{"username": "root", "password": "operator-password"})
	var tok struct{ Access string }
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &tok) != nil || tok.Access == "" {
		t.Errorf("operator login: %d %s", r.Status, r.Body)
	}
	return tok.Access
}

// retireUsers deletes "gone" and deactivates "idle" in alpha's schema.
func (f *matrixFixture) retireUsers(t *testing.T) {
	t.Helper()
	f.inAlpha(t, func(ctx context.Context, tx *tenantdb.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM users WHERE id = $1", f.users["gone"].ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE users SET is_active = false WHERE id = $1", f.users["idle"].ID)
		return err
	})
}

// createTargets makes alpha's probe and control rows for every operation
// that names one, and checks that beta has no row with their ids.
func (f *matrixFixture) createTargets(t *testing.T) {
	t.Helper()
	f.probe, f.control = map[string]string{}, map[string]string{}
	ids := map[string][]int64{}
	for _, op := range f.ops {
		for role, m := range map[string]map[string]string{"probe": f.probe, "control": f.control} {
			// A control's join request makes a user when approved: its
			// email carries the mark snapshots leave out.
			mark := map[string]string{"probe": "probe", "control": "xt_ok_control"}[role]
			var id int64
			switch op.resource {
			case "items":
				id = f.insertItem(t, f.alpha, "alpha secret "+role+" of "+op.id)
			case "users":
				id = f.createUser(t, role+"_"+op.id, auth.RoleMember).ID
			case "join-requests":
				m[op.id] = itoa(f.insertJoinRequest(t, f.alpha, mark+"_"+op.id+"@alpha-mail.test"))
				continue
			case "email-domains":
				m[op.id] = f.insertEmailDomain(t, f.alpha, role+"-"+op.id+".alpha-mail.test")
				continue
			default:
				continue
			}
			m[op.id] = itoa(id)
			ids[op.resource] = append(ids[op.resource], id)
		}
	}
	for table, list := range ids {
		var n int
		q := "SELECT count(*) FROM " + pgx.Identifier{f.beta.SchemaName, table}.Sanitize() + " WHERE id = ANY($1)"
		if err := f.env.Pool.QueryRow(context.Background(), q, list).Scan(&n); err != nil || n != 0 {
			t.Fatalf("alpha's %s ids %v: %d exist in beta (%v)", table, list, n, err)
		}
	}
}

// insertJoinRequest adds a pending request to join ten from email.
func (f *matrixFixture) insertJoinRequest(t *testing.T, ten *tenantry.Tenant, email string) int64 {
	t.Helper()
	hash, err := auth.HashPassword("join-password")
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := f.env.Pool.QueryRow(context.Background(), `INSERT INTO public.join_requests (tenant_id, email, password_hash)
		VALUES ($1, $2, $3) RETURNING id`, ten.ID, email, hash).Scan(&id); err != nil {
		t.Fatalf("add join request to %s: %v", ten.Slug, err)
	}
	return id
}

// insertEmailDomain makes ten claim the email domain and returns it.
func (f *matrixFixture) insertEmailDomain(t *testing.T, ten *tenantry.Tenant, domain string) string {
	t.Helper()
	if _, err := f.env.Pool.Exec(context.Background(), "INSERT INTO public.email_domains (domain, tenant_id) VALUES ($1, $2)",
		domain, ten.ID); err != nil {
		t.Fatalf("claim %s for %s: %v", domain, ten.Slug, err)
	}
	return domain
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// insertItem inserts an item into tenant ten and returns its id.
func (f *matrixFixture) insertItem(t *testing.T, ten *tenantry.Tenant, title string) int64 {
	t.Helper()
	var id int64
	err := f.env.DB.InTenant(context.Background(), ten, func(tx *tenantdb.Tx) error {
		return tx.QueryRow(context.Background(), "INSERT INTO items (name) VALUES ($1) RETURNING id", title).Scan(&id)
	})
	if err != nil {
		t.Fatalf("insert item %q into %s: %v", title, ten.Slug, err)
	}
	return id
}

// userID returns the id of tenant ten's user username.
func (f *matrixFixture) userID(t *testing.T, ten *tenantry.Tenant, username string) int64 {
	t.Helper()
	var id int64
	q := "SELECT id FROM " + pgx.Identifier{ten.SchemaName, "users"}.Sanitize() + " WHERE username = $1"
	if err := f.env.Pool.QueryRow(context.Background(), q, username).Scan(&id); err != nil {
		t.Fatalf("find %s's user %s: %v", ten.Slug, username, err)
	}
	return id
}

// snapshots returns every row of every tenant's users and items as JSON,
// leaving out alpha's control rows and the rows positive controls created:
// what no refused request may change.
func (f *matrixFixture) snapshots(t *testing.T) []string {
	t.Helper()
	controls := map[string]bool{} // "items 3", "email-domains control-x.alpha-mail.test"
	for _, op := range f.ops {
		if id, ok := f.control[op.id]; ok {
			controls[op.resource+" "+id] = true
		}
	}
	var out []string
	for _, ten := range []*tenantry.Tenant{f.alpha, f.beta, f.gamma} {
		for _, table := range []string{"users", "items"} {
			for id, row := range f.rows(t, ten, table) {
				control := ten == f.alpha && controls[table+" "+itoa(id)]
				if !control && !strings.Contains(row, "xt_ok") && !strings.Contains(row, "xt ok") {
					out = append(out, ten.Slug+"."+table+" "+row)
				}
			}
		}
	}
	// The public rows a tenant's admins reach through the API.
	for _, q := range []struct{ resource, sql string }{
		{"join-requests", "SELECT id::text, to_jsonb(r)::text FROM public.join_requests r"},
		{"email-domains", "SELECT domain, to_jsonb(r)::text FROM public.email_domains r"},
	} {
		rows, err := f.env.Pool.Query(context.Background(), q.sql)
		var key, row string
		if err == nil {
			_, err = pgx.ForEachRow(rows, []any{&key, &row}, func() error {
				if !controls[q.resource+" "+key] {
					out = append(out, "public."+q.resource+" "+row)
				}
				return nil
			})
		}
		if err != nil {
			t.Fatalf("read %s: %v", q.resource, err)
		}
	}
	slices.Sort(out)
	return out
}

// rows returns every row of tenant ten's table as JSON, by id.
func (f *matrixFixture) rows(t *testing.T, ten *tenantry.Tenant, table string) map[int64]string {
	t.Helper()
	q := "SELECT id, to_jsonb(r)::text FROM " + pgx.Identifier{ten.SchemaName, table}.Sanitize() + " r"
	rows, err := f.env.Pool.Query(context.Background(), q)
	out := map[int64]string{}
	var id int64
	var row string
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&id, &row}, func() error { out[id] = row; return nil })
	}
	if err != nil {
		t.Fatalf("read %s.%s: %v", ten.Slug, table, err)
	}
	return out
}

// openAPIDoc is what the matrix reads of the served OpenAPI document.
type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]*bodySchema `json:"schemas"`
		SecuritySchemes map[string]struct {
			Type, Scheme string
		} `json:"securitySchemes"`
	} `json:"components"`
}

type docOperation struct {
	OperationID string                `json:"operationId"`
	Security    []map[string][]string `json:"security"`
	Parameters  []struct {
		Name, In string
		Required bool
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *bodySchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

type bodySchema struct {
	Ref        string                     `json:"$ref"`
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
}

var docMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// servedTenantOps reads GET /api/openapi.json from the real handler and
// returns every operation whose path is not the base domain's: those
// whose security requires the bearer scheme, and the known public ones. It
// fails t for one it cannot call.
func servedTenantOps(t *testing.T, f *apiFixture) []matrixOp {
	t.Helper()
	doc := fetchDoc(t, f)
	var ops []matrixOp
	seen := map[string]bool{}
	for _, path := range sortedKeys(doc.Paths) {
		if baseDomainOnly(path) {
			continue
		}
		for _, method := range docMethods {
			raw, ok := doc.Paths[path][method]
			if !ok {
				continue
			}
			var op docOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s in the document: %v", method, path, err)
			}
			seen[op.OperationID] = true
			if mo, ok := matrixOperation(t, doc, strings.ToUpper(method), path, &op); ok {
				ops = append(ops, mo)
			}
		}
	}
	for _, recipes := range []map[string]opRecipe{opRecipes, publicOpRecipes} {
		for id := range recipes {
			if !seen[id] {
				t.Errorf("the matrix has a recipe for %s, which the document does not serve", id)
			}
		}
	}
	if len(ops) == 0 {
		t.Fatal("the document lists no bearer-secured tenant operation")
	}
	return ops
}

// baseDomainOnly reports whether path belongs to the platform's own site
// (the platform API, signup), which a tenant host answers 404: the platform
// and signup tests cover them.
func baseDomainOnly(path string) bool {
	for _, p := range []string{"/api/platform", "/api/signup"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

func fetchDoc(t *testing.T, f *apiFixture) *openAPIDoc {
	t.Helper()
	r := f.call(t, "GET", "alpha.test", api.OpenAPIPath, "", nil)
	var doc openAPIDoc
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", api.OpenAPIPath, r.Status, r.Body)
	}
	r.decode(t, &doc)
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		t.Fatalf("security scheme bearer is %+v, want http bearer", s)
	}
	return &doc
}

// matrixOperation returns how the matrix calls op, and false for one it
// has no recipe for (failing t).
func matrixOperation(t *testing.T, doc *openAPIDoc, method, path string, op *docOperation) (matrixOp, bool) {
	t.Helper()
	name := op.OperationID + " (" + method + " " + path + ")"
	recipes, public := opRecipes, !requiresBearer(op.Security)
	if public {
		recipes = publicOpRecipes
	}
	recipe, ok := recipes[op.OperationID]
	switch {
	case !ok && public:
		t.Errorf("%s is a tenant operation that does not require a bearer token: secure it, or add it to publicOpRecipes", name)
	case !ok:
		t.Errorf("%s has no entry in opRecipes: add how to call it", name)
	}
	if !ok {
		return matrixOp{}, false
	}
	checkRecipeBody(t, doc, name, op, recipe)
	return matrixOp{id: op.OperationID, method: method, path: path, recipe: recipe,
		resource: pathResource(t, name, path, op), public: public}, true
}

// publicOps counts the public operations of ops.
func publicOps(ops []matrixOp) int {
	n := 0
	for _, op := range ops {
		if op.public {
			n++
		}
	}
	return n
}

// requiresBearer reports whether every alternative of security includes
// the bearer scheme.
func requiresBearer(security []map[string][]string) bool {
	for _, alt := range security {
		if _, ok := alt["bearer"]; !ok {
			return false
		}
	}
	return len(security) > 0
}

// checkRecipeBody fails t unless recipe sends a body exactly when op takes
// one, with every required property of its schema and no other than its
// properties.
func checkRecipeBody(t *testing.T, doc *openAPIDoc, name string, op *docOperation, recipe opRecipe) {
	t.Helper()
	switch {
	case op.RequestBody == nil && recipe.body == nil:
		return
	case op.RequestBody == nil:
		t.Errorf("%s takes no body, but its recipe sends one", name)
		return
	case recipe.body == nil:
		t.Errorf("%s takes a body and its recipe has none", name)
		return
	}
	s := op.RequestBody.Content["application/json"].Schema
	if s != nil && s.Ref != "" {
		s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	if s == nil {
		t.Errorf("%s: no application/json body schema in the document", name)
		return
	}
	body := recipe.body("check")
	for _, p := range s.Required {
		if _, ok := body[p]; !ok {
			t.Errorf("%s: the recipe's body lacks required property %s", name, p)
		}
	}
	for p := range body {
		if _, ok := s.Properties[p]; !ok {
			t.Errorf("%s: the recipe's body has %s, not a property of the schema", name, p)
		}
	}
}

var placeholder = regexp.MustCompile(`\{([^}]*)\}`)

// pathResource returns what the path's one {id} names ("items" or "users",
// the segment before it), or "" for a path without parameters. It fails t
// for any other parameter, and for a required query or header parameter:
// the matrix has no value for them.
func pathResource(t *testing.T, name, path string, op *docOperation) string {
	t.Helper()
	for _, p := range op.Parameters {
		if p.In != "path" && p.Required {
			t.Errorf("%s: no value for required %s parameter %s", name, p.In, p.Name)
		}
	}
	found := placeholder.FindAllStringSubmatch(path, -1)
	if len(found) == 0 {
		return ""
	}
	segs := strings.Split(path, "/")
	i := slices.Index(segs, "{"+found[0][1]+"}")
	named := map[string]string{"items": "id", "users": "id", "join-requests": "id", "email-domains": "domain"}
	if len(found) > 1 || i < 1 || named[segs[i-1]] != found[0][1] {
		t.Errorf("%s: no value for the path's parameters %v", name, found)
		return ""
	}
	return segs[i-1]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// audienceKey is the HMAC key of one audience's tokens under matrixSecret.
// It mirrors auth.Signer's unexported key derivation,
// HMAC-SHA256(secret, "tenantry access token key\x00"+audience), which an
// external test package cannot call; checkForgeryMirrorsServer proves the
// copy right by having the server accept a token forged with it, so the
// forged tokens below differ from real ones in one respect only.
func audienceKey(audience string) []byte {
	m := hmac.New(sha256.New, matrixSecret)
	m.Write([]byte("tenantry access token key\x00" + audience))
	return m.Sum(nil)
}

// ownerClaims are the claims of a token the server would issue now to
// alpha's owner.
func (f *matrixFixture) ownerClaims() auth.Claims {
	now := time.Now()
	return auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "tenantry", Subject: strconv.FormatInt(f.users[auth.RoleOwner].ID, 10),
			Audience: jwt.ClaimStrings{auth.TenantAudience(f.alpha.ID)}, IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(auth.AccessTTL)), ID: "matrix",
		},
		TenantID: f.alpha.ID, Role: auth.RoleOwner, Username: "owner",
	}
}

// forge signs c by hand with method and key.
func forge(t *testing.T, method jwt.SigningMethod, key any, c auth.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatalf("forge a %s token: %v", method.Alg(), err)
	}
	return tok
}

// checkForgeryMirrorsServer fails t unless the server accepts a token
// forged with audienceKey and ownerClaims: else every forged case would be
// refused for the wrong reason and prove nothing. The matrix still runs, for
// the cases with real tokens.
func (f *matrixFixture) checkForgeryMirrorsServer(t *testing.T) {
	t.Helper()
	tok := forge(t, jwt.SigningMethodHS256, audienceKey(auth.TenantAudience(f.alpha.ID)), f.ownerClaims())
	r := f.call(t, "GET", "alpha.test", "/api/profile", tok, nil)
	var p api.Profile
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &p) != nil || p.ID != f.users[auth.RoleOwner].ID {
		t.Errorf("a token forged like a real one is refused (%d %s): the forgery no longer mirrors auth.Signer, "+
			"so the forged cases prove nothing", r.Status, r.Body)
	}
}

// jwtParts splits a token into its three base64url parts.
func jwtParts(t *testing.T, token string) []string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", token, len(parts))
	}
	return parts
}

// withPayload returns token with set's members written over its payload's
// and its original signature.
func withPayload(t *testing.T, token string, set map[string]any) string {
	t.Helper()
	parts := jwtParts(t, token)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &claims)
	}
	if err != nil {
		t.Fatalf("decode payload of %q: %v", token, err)
	}
	for k, v := range set {
		claims[k] = v
	}
	raw, err = json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// withHeader returns token with header as its header, payload and
// signature kept.
func withHeader(t *testing.T, token, header string) string {
	t.Helper()
	parts := jwtParts(t, token)
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(header))
	return strings.Join(parts, ".")
}

// withSignature returns token with its signature passed through change.
func withSignature(t *testing.T, token string, change func(sig []byte) []byte) string {
	t.Helper()
	parts := jwtParts(t, token)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("decode signature of %q: %v", token, err)
	}
	parts[2] = base64.RawURLEncoding.EncodeToString(change(sig))
	return strings.Join(parts, ".")
}

// cases is the token matrix: (a) another tenant's token, (b) expired or
// not yet valid, (c) alg none, (d) another algorithm with the right key,
// (e) a tampered payload, (f) a tampered signature, (g) a deleted user's,
// (h) a deactivated user's, (i) no usable bearer token, (j) an operator's,
// all 401; (k) any request to a suspended tenant, 503.
func (f *matrixFixture) cases(t *testing.T) []matrixCase {
	t.Helper()
	key := audienceKey(auth.TenantAudience(f.alpha.ID))
	hs256 := func(change func(c *auth.Claims)) string {
		c := f.ownerClaims()
		change(&c)
		return forge(t, jwt.SigningMethodHS256, key, c)
	}
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(time.Now().Add(d)) }
	owner, ownerID := f.tokens[auth.RoleOwner], f.users[auth.RoleOwner].ID
	const alpha, beta, gamma = "alpha.test", "beta.test", "gamma.test"
	bearer := func(tok string) string { return "Bearer " + tok }
	return []matrixCase{
		{"a_alpha_owner_token_on_beta", beta, bearer(owner), 401},
		{"a_beta_owner_token_on_alpha", alpha, bearer(f.betaOwner), 401},
		{"a_alpha_claims_readdressed_to_beta", beta, bearer(hs256(func(c *auth.Claims) {
			c.Audience, c.TenantID = jwt.ClaimStrings{auth.TenantAudience(f.beta.ID)}, f.beta.ID
		})), 401},
		{"a_beta_tenant_id_in_alpha_token", alpha, bearer(hs256(func(c *auth.Claims) { c.TenantID = f.beta.ID })), 401},
		{"b_expired", alpha, bearer(hs256(func(c *auth.Claims) {
			c.IssuedAt, c.NotBefore, c.ExpiresAt = at(-16*time.Minute), at(-16*time.Minute), at(-time.Minute)
		})), 401},
		{"b_not_yet_valid", alpha, bearer(hs256(func(c *auth.Claims) {
			c.IssuedAt, c.NotBefore, c.ExpiresAt = at(10*time.Minute), at(10*time.Minute), at(25*time.Minute)
		})), 401},
		{"b_without_expiry", alpha, bearer(hs256(func(c *auth.Claims) { c.ExpiresAt = nil })), 401},
		{"c_alg_none", alpha, bearer(forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, f.ownerClaims())), 401},
		{"c_alg_none_header_on_real_token", alpha, bearer(withHeader(t, owner, `{"alg":"none","typ":"JWT"}`)), 401},
		{"d_hs512_right_key", alpha, bearer(forge(t, jwt.SigningMethodHS512, key, f.ownerClaims())), 401},
		{"d_hs384_right_key", alpha, bearer(forge(t, jwt.SigningMethodHS384, key, f.ownerClaims())), 401},
		{"e_viewer_token_role_raised", alpha, bearer(withPayload(t, f.viewer, map[string]any{"role": auth.RoleOwner})), 401},
		{"e_viewer_token_subject_changed", alpha, bearer(withPayload(t, f.viewer, map[string]any{"sub": strconv.FormatInt(ownerID, 10)})), 401},
		{"f_signature_bit_flipped", alpha, bearer(withSignature(t, owner, func(s []byte) []byte { s[0] ^= 1; return s })), 401},
		{"f_signature_stripped", alpha, bearer(withSignature(t, owner, func([]byte) []byte { return nil })), 401},
		{"g_deleted_user", alpha, bearer(f.deleted), 401},
		{"g_never_existing_user", alpha, bearer(hs256(func(c *auth.Claims) { c.Subject = "999999" })), 401},
		{"h_deactivated_user", alpha, bearer(f.idle), 401},
		{"i_garbage", alpha, "Bearer not-a-token", 401},
		{"i_garbage_in_jwt_shape", alpha, "Bearer a.b.c", 401},
		{"i_empty_bearer", alpha, "Bearer ", 401},
		{"i_no_authorization", alpha, "", 401},
		{"i_basic_credentials", alpha, "Basic " + base64.StdEncoding.EncodeToString([]byte("owner:owner-password")), 401},
		{"i_basic_scheme_real_token", alpha, "Basic " + owner, 401},
		{"j_operator_token", alpha, bearer(f.oper), 401},
		{"k_suspended_owner_token", gamma, bearer(f.gammaOwner), 503},
		{"k_suspended_no_token", gamma, "", 503},
		{"k_suspended_alpha_token", gamma, bearer(owner), 503},
	}
}

// send calls op on host with the Authorization header authz (none if "")
// and the recipe's body marked with tag. The path names gamma's row on
// gamma's host, else alpha's probe (or control, for tags "ok...").
func (f *matrixFixture) send(t *testing.T, op matrixOp, host, authz, tag string) apiResponse {
	path := op.path
	if op.resource != "" {
		id := f.probe[op.id]
		switch {
		case host == "gamma.test":
			id = f.gammaIDs[op.resource]
		case strings.HasPrefix(tag, "ok"):
			id = f.control[op.id]
		}
		path = placeholder.ReplaceAllLiteralString(path, id)
	}
	var body any
	if op.recipe.body != nil {
		body = op.recipe.body(tag)
	}
	var header []string
	if authz != "" {
		header = []string{"Authorization", authz}
	}
	return f.call(t, op.method, host, path, "", body, header...)
}

// checkControl sends op as alpha's owner on alpha's host, which must
// succeed (2xx): proof that the recipe's path, id and body reach the
// operation's handler, so that the refusals are the tokens' doing.
func (f *matrixFixture) checkControl(t *testing.T, op matrixOp, tag string) {
	r := f.send(t, op, "alpha.test", "Bearer "+f.tokens[auth.RoleOwner], tag)
	if r.Status < 200 || r.Status > 299 {
		t.Errorf("%s %s as alpha's owner: %d %s, want 2xx", op.method, op.path, r.Status, r.Body)
	}
}

// checkRefusal fails t unless r is a want problem+json with no member but a
// problem's and none of the tenants' data.
func checkRefusal(t *testing.T, r apiResponse, want int) {
	t.Helper()
	if r.Status != want {
		t.Errorf("got %d %s, want %d", r.Status, r.Body, want)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q, want application/problem+json", ct)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Errorf("body %s: %v", r.Body, err)
	}
	for k := range p {
		if !slices.Contains(problemMembers, k) {
			t.Errorf("problem member %q: %s", k, r.Body)
		}
	}
	if p["status"] != float64(want) {
		t.Errorf("problem status %v, want %d", p["status"], want)
	}
	for _, m := range leakMarkers {
		if strings.Contains(r.Body, m) {
			t.Errorf("refusal holds %q: %s", m, r.Body)
		}
	}
}

func TestUnauthorizedSendsBearerChallenge(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/profile/", ""},
		{"GET", "/api/items/", ""},
		{"POST", "/api/token/", `{"username":"nobody","password":"wrong password"}`},
	} {
		var body any
		if c.body != "" {
			body = json.RawMessage(c.body)
		}
		r := f.call(t, c.method, "alpha.test", c.path, "", body)
		if r.Status != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s %s: %d, WWW-Authenticate %q", c.method, c.path, r.Status, r.Header.Get("WWW-Authenticate"))
		}
	}
}
