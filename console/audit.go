package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/tenantdb"
)

// auditPageSize is the number of entries of an audit page.
const auditPageSize = 50

// auditData is an audit log page.
type auditData struct {
	Entries  []audit.Entry
	Action   string
	Tenant   string // the platform's filter
	Platform bool
	Next     string
}

var actionPattern = regexp.MustCompile(`^[a-z_.]{0,100}$`)

// auditFilter reads an audit page's filter, or a message saying what is
// wrong with it.
func auditFilter(r *http.Request) (audit.Filter, string) {
	f := audit.Filter{Action: r.URL.Query().Get("action"), Limit: auditPageSize}
	if !actionPattern.MatchString(f.Action) {
		return f, "The action filter is not an action's name (such as auth.login_failed)."
	}
	if b := r.URL.Query().Get("before"); b != "" {
		id, err := strconv.ParseInt(b, 10, 64)
		if err != nil || id < 1 {
			return f, "The page asked for does not exist: before must be an entry's id."
		}
		f.BeforeID = id
	}
	return f, ""
}

// nextAuditPage links the page after entries, when it is full.
func nextAuditPage(d *auditData) {
	if len(d.Entries) < auditPageSize {
		return
	}
	last := d.Entries[len(d.Entries)-1].ID
	d.Next = "?" + url.Values{"action": {d.Action}, "tenant": {d.Tenant}, "before": {strconv.FormatInt(last, 10)}}.Encode()
}

// tenantAudit is the tenant's audit log, read through its own transaction:
// row-level security shows it its entries only.
func (c *Console) tenantAudit(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Audit log")
	f, msg := auditFilter(r)
	if msg != "" {
		c.fail(w, r, http.StatusBadRequest, v, msg)
		return
	}
	f.TenantID = m.t.ID
	d := &auditData{Action: f.Action}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		var err error
		d.Entries, err = audit.List(r.Context(), tx, f)
		return err
	})
	if err != nil {
		c.internal(w, r, err)
		return
	}
	nextAuditPage(d)
	v.Data = d
	c.render(w, r, http.StatusOK, "audit", v)
}
