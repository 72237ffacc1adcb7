package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/provision"
)

// fleetData is the fleet's migration state.
type fleetData struct {
	Schemas, Behind, Failed int64
	Latest                  int
	Trouble                 []schemaState
}

type schemaState struct {
	Schema, Kind, Error   string
	Version, ErrorVersion int
	UpdatedAt             time.Time
}

// homeData is the platform's overview.
type homeData struct {
	Tenants, Active, Suspended int64
	Fleet                      *fleetData
	Charts                     []*Chart
}

func (c *Console) platformHome(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Overview")
	ctx := r.Context()
	d := &homeData{}
	err := c.cfg.Pool.QueryRow(ctx, tenantCountsSQL).Scan(&d.Tenants, &d.Active, &d.Suspended)
	if err == nil {
		d.Fleet, err = c.fleet(r)
	}
	for _, ch := range []struct{ id, title, sql string }{
		{"tenants-per-day", "Tenants created per day", tenantsPerDaySQL},
		{"audit-per-day", "Audit events per day (logins, changes, refusals)", auditPerDaySQL},
	} {
		if err != nil {
			break
		}
		var chart *Chart
		if chart, err = dailyChart(ctx, c.cfg.Pool, ch.id, ch.title, ch.sql); err == nil {
			d.Charts = append(d.Charts, chart)
		}
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "platform_home", v)
}

// fleet reads the fleet summary: counts, and the schemas behind or failed.
func (c *Console) fleet(r *http.Request) (*fleetData, error) {
	d := &fleetData{Latest: c.latest()}
	ctx := r.Context()
	if err := c.cfg.Pool.QueryRow(ctx, fleetSummarySQL, d.Latest).Scan(&d.Schemas, &d.Behind, &d.Failed); err != nil {
		return nil, err
	}
	rows, _ := c.cfg.Pool.Query(ctx, fleetTroubleSQL, d.Latest)
	var err error
	d.Trouble, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (schemaState, error) {
		var s schemaState
		return s, row.Scan(&s.Schema, &s.Kind, &s.Version, &s.Error, &s.ErrorVersion, &s.UpdatedAt)
	})
	return d, err
}

func (c *Console) fleetPage(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Fleet")
	d, err := c.fleet(r)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "fleet", v)
}

func (c *Console) sparesPage(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Spare pool")
	spares, err := c.cfg.Provisioner.Spares(r.Context())
	if err != nil {
		c.internal(w, r, err)
		return
	}
	v.Data = struct {
		Spares []provision.Spare
		Latest int
	}{spares, c.latest()}
	c.render(w, r, http.StatusOK, "spares", v)
}

// platformAudit is the whole platform's audit log, or one tenant's.
func (c *Console) platformAudit(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	v := c.platformView(o, "Audit log")
	f, msg := auditFilter(r)
	if msg != "" {
		c.fail(w, r, http.StatusBadRequest, v, msg)
		return
	}
	d := &auditData{Action: f.Action, Platform: true, Tenant: r.URL.Query().Get("tenant")}
	if d.Tenant != "" {
		if id, err := strconv.ParseInt(d.Tenant, 10, 64); err == nil && id > 0 {
			f.TenantID = id // a deleted tenant's entries stay
		} else if t, err := c.cfg.Registry.Find(r.Context(), d.Tenant); err == nil && len(d.Tenant) <= 253 {
			f.TenantID = t.ID
		} else {
			c.fail(w, r, http.StatusNotFound, v, "There is no such tenant: name it by its slug, a domain or its id.")
			return
		}
	}
	var err error
	if d.Entries, err = audit.List(r.Context(), c.cfg.Pool, f); err != nil {
		c.internal(w, r, err)
		return
	}
	nextAuditPage(d)
	v.Data = d
	c.render(w, r, http.StatusOK, "audit", v)
}
