package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
	"github.com/tenantry/tenantry/tenanthttp"
)

// Part is a group of Tenantry's built-in endpoints, which an application
// may leave out (Config.Without). Tokens are always served.
type Part string

// The built-in parts.
const (
	PartTenantInfo   Part = "tenant-info"   // GET /api/tenant/
	PartProfile      Part = "profile"       // /api/profile/, the user's own account
	PartUsers        Part = "users"         // /api/users/, tenant admins manage users
	PartPlatform     Part = "platform"      // /api/platform/, operators on the base domain
	PartSignup       Part = "signup"        // /api/signup/ and its pages on the base domain
	PartJoinRequests Part = "join-requests" // /api/join-requests/ and /api/email-domains/
	PartAudit        Part = "audit"         // /api/audit/ and /api/platform/audit/
	PartDomains      Part = "domains"       // /api/domains/ and /api/platform/tenants/{ref}/domains/
	PartExport       Part = "export"        // GET /api/export, owners download the tenant's data
)

// Parts lists the built-in parts.
func Parts() []Part {
	return []Part{PartTenantInfo, PartProfile, PartUsers, PartPlatform, PartSignup, PartJoinRequests, PartAudit,
		PartDomains, PartExport}
}

// reservedPaths are path prefixes an application's routes may never take,
// whatever parts it leaves out.
var reservedPaths = []string{"/api/token", "/api/openapi.json", "/api/docs", "/api/platform", "/api/signup",
	"/healthz", "/readyz", "/metrics", "/admin", "/signup", "/.well-known"}

// Context is what an application's handler gets: the request's tenant,
// the authenticated user (its role already checked) and the request's one
// transaction, bound to the tenant. Use Tx only until the handler returns:
// it commits when the handler returns nil and rolls back otherwise.
type Context struct {
	Tenant *tenantry.Tenant
	User   *auth.User
	Tx     *tenantdb.Tx
}

// Routes is how an application mounts its operations and pages on tenant
// hosts (App.Routes): Register and RegisterRead for JSON operations, which
// appear in the OpenAPI document, Handle for anything else.
type Routes struct {
	s        *server
	api      huma.API
	mux      *http.ServeMux // plain handlers, outside /api/
	reserved []string       // path prefixes taken by built-in operations
	errs     []error
}

// API returns the server's huma API, for what Register does not cover
// (types, groups). Operations registered on it directly get no tenant,
// user or transaction: prefer Register.
func (r *Routes) API() huma.API { return r.api }

// Policy returns the role table the server checks permissions against.
func (r *Routes) Policy() auth.Policy { return r.s.cfg.Policy }

// bearerInput is an operation input that embeds Bearer.
type bearerInput interface{ bearer() Bearer }

func (b Bearer) bearer() Bearer { return b }

// Register adds a JSON operation on tenant hosts. Its input type I must
// embed Bearer. Each request is authenticated (401 without a valid token
// of this tenant), its user's current role must hold perm (403), and h
// runs in one transaction bound to the tenant, committed when h returns
// nil. Errors h returns become problem+json answers as the built-in
// endpoints' do: return huma errors (huma.Error404NotFound, ...) for 4xx.
// Security, 401/403 answers, a body limit and a tag are filled in on op
// when it leaves them empty.
func Register[I, O any](r *Routes, op huma.Operation, perm auth.Permission, h func(ctx context.Context, c *Context, in *I) (*O, error)) {
	if !r.check(op, perm, new(I)) {
		return
	}
	s := r.s
	huma.Register(r.api, r.complete(op, perm), func(ctx context.Context, in *I) (*O, error) {
		var out *O
		b := any(in).(bearerInput).bearer()
		err := s.asUser(ctx, b, perm, func(tx *tenantdb.Tx, u *auth.User) error {
			var err error
			out, err = h(ctx, &Context{Tenant: tx.Tenant, User: u, Tx: tx}, in)
			return err
		})
		return out, err
	})
}

// RegisterRead adds a read-only JSON operation that costs one round trip:
// h queues its queries on b, whose callbacks fill the output it returns;
// they run, with the user's lookup, in one pipelined transaction bound to
// the tenant (tenantdb.DB.Pipeline), and the output is answered only once
// the user has passed the same checks as Register's. h must not read its
// output before the callbacks have run.
func RegisterRead[I, O any](r *Routes, op huma.Operation, perm auth.Permission, h func(ctx context.Context, in *I, b *pgx.Batch) (*O, error)) {
	if !r.check(op, perm, new(I)) {
		return
	}
	s := r.s
	huma.Register(r.api, r.complete(op, perm), func(ctx context.Context, in *I) (*O, error) {
		var out *O
		var herr error
		b := any(in).(bearerInput).bearer()
		err := s.asReader(ctx, b, perm, func(batch *pgx.Batch) { out, herr = h(ctx, in, batch) })
		if err != nil {
			return nil, err // the user's checks come first
		}
		if herr != nil {
			return nil, s.problem(ctx, herr)
		}
		return out, nil
	})
}

// HandlerFunc is a plain handler of an application's (Routes.Handle).
type HandlerFunc func(w http.ResponseWriter, r *http.Request, c *Context) error

// Handle adds a plain handler on tenant hosts for pattern (a
// net/http.ServeMux pattern, such as "GET /reports/{id}"), outside /api/.
// The request must carry a bearer token of the tenant whose user's role
// holds perm; h runs in one transaction bound to the tenant, committed
// when it returns nil. An error h returns before writing is answered as
// problem+json.
func (r *Routes) Handle(pattern string, perm auth.Permission, h HandlerFunc) {
	_, path, _ := strings.Cut(pattern, " ")
	if !strings.Contains(pattern, " ") {
		path = pattern
	}
	if strings.HasPrefix(path, "/api/") || path == "/" || path == "/api" {
		r.errs = append(r.errs, fmt.Errorf("route %q: plain handlers go outside /api/ and /; use Register for JSON operations", pattern))
		return
	}
	if !r.checkPath(pattern, path) || !r.checkPerm(pattern, perm) {
		return
	}
	s := r.s
	r.mux.HandleFunc(pattern, func(w http.ResponseWriter, req *http.Request) {
		b := Bearer{Authorization: req.Header.Get("Authorization")}
		err := s.asUser(req.Context(), b, perm, func(tx *tenantdb.Tx, u *auth.User) error {
			return h(w, req, &Context{Tenant: tx.Tenant, User: u, Tx: tx})
		})
		if err != nil {
			writeHumaError(w, err)
		}
	})
}

// check validates an operation before it is registered, noting what is
// wrong; it reports whether to go on.
func (r *Routes) check(op huma.Operation, perm auth.Permission, in any) bool {
	name := op.Method + " " + op.Path
	if _, ok := in.(bearerInput); !ok {
		r.errs = append(r.errs, fmt.Errorf("route %s: its input type %T must embed api.Bearer", name, in))
		return false
	}
	if op.OperationID == "" || op.Method == "" || !strings.HasPrefix(op.Path, "/api/") {
		r.errs = append(r.errs, fmt.Errorf("route %s: an operation needs an OperationID, a Method and a Path under /api/", name))
		return false
	}
	return r.checkPath(name, op.Path) && r.checkPerm(name, perm)
}

// checkPath refuses a path that shadows a built-in endpoint.
func (r *Routes) checkPath(name, path string) bool {
	path = strings.TrimSuffix(path, "/")
	for _, p := range append(slices.Clone(reservedPaths), r.reserved...) {
		if path == p || strings.HasPrefix(path, p+"/") {
			r.errs = append(r.errs, fmt.Errorf("route %s shadows Tenantry's built-in %s: choose another path", name, p))
			return false
		}
	}
	return true
}

// checkPerm refuses a permission no role holds: every request would be 403.
func (r *Routes) checkPerm(name string, perm auth.Permission) bool {
	for _, role := range r.s.cfg.Policy.Roles() {
		if r.s.cfg.Policy.Allows(role, perm) {
			return true
		}
	}
	r.errs = append(r.errs, fmt.Errorf("route %s: no role holds permission %q: declare it in the application's roles", name, perm))
	return false
}

// complete fills in what an application's operation leaves empty.
func (r *Routes) complete(op huma.Operation, perm auth.Permission) huma.Operation {
	if op.Security == nil {
		op.Security = secured
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = MaxBodyBytes
	}
	for _, code := range []int{400, 401, 403, 422} {
		if !slices.Contains(op.Errors, code) {
			op.Errors = append(op.Errors, code)
		}
	}
	if perm != "" && !strings.Contains(op.Description, string(perm)) {
		op.Description = strings.TrimSpace(op.Description + " Needs the " + string(perm) + " permission.")
	}
	return op
}

// writeHumaError answers a plain handler's error, already mapped by
// server.problem to a huma status error, as problem+json.
func writeHumaError(w http.ResponseWriter, err error) {
	var he huma.HeadersError
	if errors.As(err, &he) {
		for k, vs := range he.GetHeaders() {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
	}
	status := http.StatusInternalServerError
	var se huma.StatusError
	if errors.As(err, &se) {
		status = se.GetStatus()
	}
	msg := "internal error"
	var em *huma.ErrorModel
	if errors.As(err, &em) {
		msg = em.Detail
	}
	tenanthttp.WriteProblem(w, status, msg)
}

// err joins what was wrong with the application's routes.
func (r *Routes) err() error { return errors.Join(r.errs...) }
