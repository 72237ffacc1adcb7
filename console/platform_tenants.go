package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenantdb"
)

// tenantRow is one tenant of the list.
type tenantRow struct {
	Slug, Name, Status, Plan, Domain, Error string
	CreatedAt                               time.Time
	Version                                 int
	Behind                                  bool
}

// tenantListData is the tenants page.
type tenantListData struct {
	Rows                 []tenantRow
	Total                int64
	Search, Status, Plan string
	Plans, Statuses      []string
	Next, First          string
	Latest               int
}

var statuses = []string{"active", "suspended", "terminated", "deleting"}

var planPattern = regexp.MustCompile(`^[a-z0-9_-]{0,64}$`)

// tenantQuery reads the list's filter, or says what is wrong with it.
func tenantQuery(r *http.Request) (d *tenantListData, after, msg string) {
	q := r.URL.Query()
	d = &tenantListData{Search: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Plan: q.Get("plan"), Statuses: statuses}
	after = q.Get("after")
	switch {
	case len([]rune(d.Search)) > maxSearch:
		msg = "The search is too long: at most 200 characters."
	case d.Status != "" && !contains(statuses, d.Status):
		msg = "Status must be one of active, suspended, terminated, deleting."
	case !planPattern.MatchString(d.Plan):
		msg = "Plan must be a plan's name."
	case len(after) > 63:
		msg = "The page asked for does not exist."
	}
	return d, after, msg
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Console) latest() int {
	if c.cfg.TenantMigrations != nil {
		return c.cfg.TenantMigrations.Latest()
	}
	return 0
}

func (c *Console) tenantList(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Tenants")
	d, after, msg := tenantQuery(r)
	if msg != "" {
		c.fail(w, r, http.StatusBadRequest, v, msg)
		return
	}
	if err := c.readTenants(r.Context(), d, after); err != nil {
		c.internal(w, r, err)
		return
	}
	filter := url.Values{"q": {d.Search}, "status": {d.Status}, "plan": {d.Plan}}
	if len(d.Rows) > pageSize {
		d.Rows = d.Rows[:pageSize]
		next := url.Values{"q": {d.Search}, "status": {d.Status}, "plan": {d.Plan}, "after": {d.Rows[pageSize-1].Slug}}
		d.Next = "?" + next.Encode()
	}
	if after != "" {
		d.First = "?" + filter.Encode()
	}
	v.Notice = tenantNotice(r)
	v.Data = d
	c.render(w, r, http.StatusOK, "tenants", v)
}

// readTenants fills d with the page of tenants after slug after (one more
// than a page, to tell whether another follows), how many match in all,
// and the plans to filter by.
func (c *Console) readTenants(ctx context.Context, d *tenantListData, after string) error {
	search := likeEscape(d.Search)
	d.Latest = c.latest()
	rows, err := c.cfg.Pool.Query(ctx, listTenantsSQL, search, d.Status, d.Plan, after, pageSize+1)
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	d.Rows, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (tenantRow, error) {
		var t tenantRow
		err := row.Scan(&t.Slug, &t.Name, &t.Status, &t.Plan, &t.CreatedAt, &t.Domain, &t.Version, &t.Error)
		t.Behind = d.Latest > 0 && t.Version < d.Latest
		return t, err
	})
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	if err := c.cfg.Pool.QueryRow(ctx, countTenantsSQL, search, d.Status, d.Plan).Scan(&d.Total); err != nil {
		return fmt.Errorf("count tenants: %w", err)
	}
	rows, _ = c.cfg.Pool.Query(ctx, plansSQL)
	if d.Plans, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return fmt.Errorf("list plans: %w", err)
	}
	return nil
}

func tenantNotice(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "created":
		return "The tenant was created."
	case "suspended":
		return "The tenant was suspended: its hosts answer 503."
	case "activated":
		return "The tenant was activated."
	case "deleted":
		return "The tenant was deleted with all its data."
	}
	return ""
}

// likeEscape makes s match itself in a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// tenantDetail is one tenant's page.
type tenantDetail struct {
	T                  *tenantry.Tenant
	Version, Latest    int
	Error              string
	ErrorVersion       int
	StateAt            *time.Time
	Users, ActiveUsers int64
	UsersKnown         bool
}

// findTenant loads the path's tenant; it answers 404 itself.
func (c *Console) findTenant(w http.ResponseWriter, r *http.Request, v *view) *tenantry.Tenant {
	t, err := c.cfg.Registry.Find(r.Context(), r.PathValue("slug"))
	if errors.Is(err, tenantry.ErrTenantNotFound) || len(r.PathValue("slug")) > 253 {
		c.fail(w, r, http.StatusNotFound, v, "There is no such tenant.")
		return nil
	}
	if err != nil {
		c.internal(w, r, err)
		return nil
	}
	return t
}

func (c *Console) tenantShow(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Tenant")
	t := c.findTenant(w, r, v)
	if t == nil {
		return
	}
	v.Title = t.Name
	d := &tenantDetail{T: t, Latest: c.latest()}
	var at time.Time
	err := c.cfg.Pool.QueryRow(r.Context(), schemaStateSQL, t.SchemaName).Scan(&d.Version, &d.Error, &d.ErrorVersion, &at)
	if err == nil {
		d.StateAt = &at
	} else if !errors.Is(err, pgx.ErrNoRows) {
		c.internal(w, r, err)
		return
	}
	if t.Status != tenantry.StatusDeleting {
		err = c.cfg.DB.InTenant(r.Context(), t, func(tx *tenantdb.Tx) error {
			return tx.QueryRow(r.Context(), countUsersSQL).Scan(&d.Users, &d.ActiveUsers)
		})
		d.UsersKnown = err == nil
		if err != nil {
			c.log.WarnContext(r.Context(), "console: count a tenant's users", "tenant", t.Slug, "err", err)
		}
	}
	v.Notice = tenantNotice(r)
	v.Data = d
	c.render(w, r, http.StatusOK, "tenant", v)
}

// tenantForm is the new-tenant form.
type tenantForm struct{}

var tenantFields = []string{"slug", "name", "domain", "plan", "admin_username", "admin_email"}

func (c *Console) tenantNew(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "New tenant")
	v.Form, v.Data = map[string]string{}, &tenantForm{}
	c.render(w, r, http.StatusOK, "tenant_form", v)
}

// tenantCreate makes a tenant with its first admin, as the platform API does.
func (c *Console) tenantCreate(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "New tenant")
	v.Form, v.Data = formValues(r, tenantFields...), &tenantForm{}
	f := v.Form
	req := provision.Request{Slug: strings.TrimSpace(f["slug"]), Name: strings.TrimSpace(f["name"]),
		Domain: strings.TrimSpace(f["domain"]), Plan: strings.TrimSpace(f["plan"])}
	if f["admin_username"] != "" || f["admin_email"] != "" || r.PostFormValue("admin_password") != "" {
		if err := auth.ValidatePassword(r.PostFormValue("admin_password")); err != nil {
			c.formRefused(w, r, v, map[string]string{"admin_password": reason(err)})
			return
		}
		req.Admin = &provision.Admin{Username: f["admin_username"], Email: f["admin_email"], Password: r.PostFormValue("admin_password")}
	}
	t, err := c.cfg.Provisioner.Create(audit.WithActor(r.Context(), operatorActor(o.op)), req)
	if err != nil {
		c.createFailed(w, r, v, err)
		return
	}
	c.cfg.Registry.Invalidate(t.ID)
	http.Redirect(w, r, Prefix+"tenants/"+t.Slug+"/?done=created", http.StatusSeeOther)
}

// reason is a validation error's reason, or its message.
func reason(err error) string {
	var ve *tenantry.ValidationError
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return err.Error()
}

// createFailed shows what provisioning refused beside its field.
func (c *Console) createFailed(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var ve *tenantry.ValidationError
	switch {
	case errors.As(err, &ve):
		field := ve.Field
		switch field {
		case "username", "email", "password", "admin password":
			field = "admin_" + strings.TrimPrefix(field, "admin ")
		}
		if !contains(append(tenantFields, "admin_password"), field) {
			field = "slug"
		}
		c.formRefused(w, r, v, map[string]string{field: ve.Reason})
	case errors.Is(err, tenantry.ErrTenantExists):
		c.formRefused(w, r, v, map[string]string{"slug": "A tenant with this slug (or its schema) exists already."})
	case errors.Is(err, tenantry.ErrDomainTaken):
		c.formRefused(w, r, v, map[string]string{"domain": "This domain is another tenant's already."})
	default:
		c.internal(w, r, err)
	}
}

// tenantStatus suspends or activates the path's tenant.
func (c *Console) tenantStatus(suspend bool) operatorHandler {
	return func(w http.ResponseWriter, r *http.Request, o *operatorReq) {
		v := c.platformView(o, "Tenant")
		st, done := tenantry.StatusActive, "activated"
		if suspend {
			st, done = tenantry.StatusSuspended, "suspended"
		}
		t, err := c.cfg.Registry.SetStatus(audit.WithActor(r.Context(), operatorActor(o.op)), r.PathValue("slug"), st)
		switch {
		case errors.Is(err, tenantry.ErrTenantNotFound):
			c.fail(w, r, http.StatusNotFound, v, "There is no such tenant.")
		case errors.Is(err, tenantry.ErrTenantDeleting):
			c.fail(w, r, http.StatusConflict, v, "This tenant is being deleted: finish the delete instead.")
		case err != nil:
			c.internal(w, r, err)
		default:
			http.Redirect(w, r, Prefix+"tenants/"+t.Slug+"/?done="+done, http.StatusSeeOther)
		}
	}
}

func (c *Console) tenantConfirmDelete(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Delete tenant")
	t := c.findTenant(w, r, v)
	if t == nil {
		return
	}
	c.confirmDelete(w, r, v, t, http.StatusOK)
}

func (c *Console) confirmDelete(w http.ResponseWriter, r *http.Request, v *view, t *tenantry.Tenant, status int) {
	v.Data = &confirmData{Action: Prefix + "tenants/" + t.Slug + "/delete/", Back: Prefix + "tenants/" + t.Slug + "/",
		Question: "Delete tenant " + t.Name + " (" + t.Slug + ") with all its data: its schema, users, domains? This cannot be undone.",
		Button:   "Delete tenant " + t.Slug, Typed: t.Slug}
	c.render(w, r, status, "confirm", v)
}

// tenantDelete deletes the path's tenant once its slug was typed.
func (c *Console) tenantDelete(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Delete tenant")
	t := c.findTenant(w, r, v)
	if t == nil {
		return
	}
	if r.PostFormValue("confirm") != t.Slug {
		v.Errors = map[string]string{"confirm": "Type the tenant's slug, " + t.Slug + ", exactly, to delete it."}
		c.confirmDelete(w, r, v, t, http.StatusUnprocessableEntity)
		return
	}
	_, err := c.cfg.Provisioner.Delete(audit.WithActor(r.Context(), operatorActor(o.op)), t.Slug)
	if errors.Is(err, tenantry.ErrTenantNotFound) {
		c.fail(w, r, http.StatusNotFound, v, "There is no such tenant: it was deleted already.")
		return
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	c.cfg.Registry.Invalidate(t.ID)
	http.Redirect(w, r, Prefix+"tenants/?done=deleted", http.StatusSeeOther)
}
