package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// member is a request of a logged-in user of the request's tenant.
type member struct {
	t    *tenantry.Tenant
	user *auth.User
	sess session
}

// errNoSession: the request has no live session of this host.
var errNoSession = errors.New("no session")

// tenantSession loads the request's session on its tenant's host, in a
// short transaction of its own.
func (c *Console) tenantSession(ctx context.Context, t *tenantry.Tenant, r *http.Request) (*member, error) {
	tok := cookieToken(r, tenantCookie)
	if tok == "" {
		return nil, errNoSession
	}
	m := &member{t: t, user: &auth.User{}, sess: session{hash: hashToken(tok)}}
	err := c.cfg.DB.InTenant(ctx, t, func(tx *tenantdb.Tx) error {
		u := m.user
		return tx.QueryRow(ctx, tenantSessionSQL, m.sess.hash).
			Scan(&m.sess.csrf, &u.ID, &u.Username, &u.Email, &u.Role, &u.IsActive, &u.DateJoined)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("load console session: %w", err)
	}
	return m, nil
}

// tenantHandler is a page of a logged-in user.
type tenantHandler func(w http.ResponseWriter, r *http.Request, m *member)

// member wraps h: the request must carry a live session of its host (else
// a GET is sent to the login page and anything else is refused 401), a
// form must carry the session's CSRF token (403), and the user's role must
// hold perm (403; "" lets every logged-in user in).
func (c *Console) member(perm auth.Permission, h tenantHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenantry.FromContext(r.Context())
		m, err := c.tenantSession(r.Context(), t, r)
		switch {
		case errors.Is(err, errNoSession):
			c.needLogin(w, r, t.Name)
		case err != nil:
			c.internal(w, r, err)
		case !c.formAllowed(w, r, m.sess.csrf, t.Name):
		case perm != "" && !c.cfg.Policy.Allows(m.user.Role, perm):
			c.fail(w, r, http.StatusForbidden, c.tenantView(m, "Not allowed"), "Your role ("+m.user.Role+") does not allow this.")
		default:
			h(w, r, m)
		}
	})
}

// needLogin sends a GET to the login page, coming back afterwards, and
// refuses anything else: a form sent without a live session is not acted on.
func (c *Console) needLogin(w http.ResponseWriter, r *http.Request, site string) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.Redirect(w, r, Prefix+"login/?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	c.fail(w, r, http.StatusUnauthorized, &view{Title: "Log in again", Site: site},
		"Your session has ended or is not valid on this site: log in again, then send the form once more.")
}

// formAllowed checks a form's CSRF token against the session's; a request
// that changes nothing (GET, HEAD) needs none. It answers 403 itself.
func (c *Console) formAllowed(w http.ResponseWriter, r *http.Request, want, site string) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	if err := parseForm(r); err != nil {
		c.fail(w, r, http.StatusBadRequest, &view{Title: "Bad form", Site: site}, err.Error())
		return false
	}
	if !sameToken(r.PostFormValue("csrf"), want) {
		c.fail(w, r, http.StatusForbidden, &view{Title: "Form refused", Site: site},
			"This form is missing its security token or the token is not this session's. Reload the page and try again.")
		return false
	}
	return true
}

// tenantView is the frame of a tenant console page for m.
func (c *Console) tenantView(m *member, title string) *view {
	return &view{Title: title, Site: m.t.Name, User: m.user.Username, CSRF: m.sess.csrf, Nav: c.tenantNav(m)}
}

// tenantNav lists what m's role may open.
func (c *Console) tenantNav(m *member) []navLink {
	allows := func(p auth.Permission) bool { return c.cfg.Policy.Allows(m.user.Role, p) }
	nav := []navLink{{Href: Prefix, Label: "Home"}}
	for _, s := range c.cfg.Sections {
		if allows(s.Read) {
			nav = append(nav, navLink{Href: Prefix + s.Path + "/", Label: s.Title})
		}
	}
	if allows(auth.UsersRead) {
		nav = append(nav, navLink{Href: Prefix + "users/", Label: "Users"})
	}
	if c.cfg.Signup != nil && allows(auth.UsersManage) {
		nav = append(nav, navLink{Href: Prefix + "joins/", Label: "Join requests"})
	}
	if allows(auth.AuditRead) {
		nav = append(nav, navLink{Href: Prefix + "audit/", Label: "Audit log"})
	}
	return append(nav, navLink{Href: Prefix + "profile/", Label: "Profile"})
}
