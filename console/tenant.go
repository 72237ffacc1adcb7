package console

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

// tenantRoutes are the tenant console's pages.
func (c *Console) tenantRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix+"static/", static())
	mux.HandleFunc("GET "+Prefix+"login/{$}", c.tenantLoginPage)
	mux.HandleFunc("POST "+Prefix+"login/{$}", c.tenantLogin)
	mux.Handle("POST "+Prefix+"logout/{$}", c.member("", c.tenantLogout))
	mux.Handle("GET "+Prefix+"{$}", c.member("", c.tenantHome))
	c.profileRoutes(mux)
	c.userRoutes(mux)
	c.joinRoutes(mux)
	mux.Handle("GET "+Prefix+"audit/{$}", c.member(auth.AuditRead, c.tenantAudit))
	for i := range c.cfg.Sections {
		c.sectionRoutes(mux, &c.cfg.Sections[i])
	}
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenantry.FromContext(r.Context())
		c.fail(w, r, http.StatusNotFound, &view{Site: t.Name}, "There is no such page in the console.")
	})
	return mux
}

func (c *Console) tenantLoginPage(w http.ResponseWriter, r *http.Request) {
	t, _ := tenantry.FromContext(r.Context())
	if _, err := c.tenantSession(r.Context(), t, r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	v := &view{Title: "Log in", Site: t.Name, CSRF: c.loginToken(w, r),
		Form: map[string]string{"next": safeNext(r.URL.Query().Get("next"))}}
	c.render(w, r, http.StatusOK, "login", v)
}

// tenantLogin checks the form's login as the API's login does (same
// throttle, same audit entries) and starts a session.
func (c *Console) tenantLogin(w http.ResponseWriter, r *http.Request) {
	t, _ := tenantry.FromContext(r.Context())
	v := &view{Title: "Log in", Site: t.Name}
	if !c.loginFormAllowed(w, r, v) {
		return
	}
	login, password := r.PostFormValue("username"), r.PostFormValue("password")
	v.Form = map[string]string{"username": login, "next": safeNext(r.PostFormValue("next"))}
	if login == "" || password == "" {
		c.loginRefused(w, r, v, http.StatusUnprocessableEntity, "Type your username (or email) and your password.")
		return
	}
	tok, authErr, err := c.startTenantSession(r.Context(), t, login, password, clientOf(r))
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if authErr != nil {
		c.loginFailed(w, r, v, authErr)
		return
	}
	c.setCookie(w, r, tenantCookie, tok, c.cfg.SessionTTL)
	c.setCookie(w, r, loginCookie, "", -1)
	http.Redirect(w, r, v.Form["next"], http.StatusSeeOther)
}

// startTenantSession checks a login in one transaction of t, recording its
// outcome, and stores a new session when it succeeds: it returns the
// session's cookie token, or why the login was refused (authErr), or what
// failed.
func (c *Console) startTenantSession(ctx context.Context, t *tenantry.Tenant, login, password, client string) (tok string, authErr, err error) {
	tok, hash := newToken()
	csrf, _ := newToken()
	err = c.cfg.DB.InTenant(ctx, t, func(tx *tenantdb.Tx) error {
		u, err := auth.Authenticate(ctx, tx, login, password, client)
		if aerr := auditLogin(ctx, tx, t, login, u, err); aerr != nil {
			return aerr
		}
		if err != nil {
			authErr = err
			return nil // commit the failure's record
		}
		if _, err := tx.Exec(ctx, pruneTenantSessionsSQL); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertTenantSessionSQL, hash, u.ID, csrf, c.cfg.SessionTTL.Seconds())
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("log in to %s: %w", t.Slug, err)
	}
	return tok, authErr, nil
}

// loginFormAllowed checks the login form's CSRF token (403 without it).
func (c *Console) loginFormAllowed(w http.ResponseWriter, r *http.Request, v *view) bool {
	if err := parseForm(r); err != nil {
		c.fail(w, r, http.StatusBadRequest, v, err.Error())
		return false
	}
	if !checkLoginToken(r) {
		c.fail(w, r, http.StatusForbidden, v, "This form is missing its security token or it has expired. Reload the login page and try again.")
		return false
	}
	return true
}

// loginFailed answers a refused login: 401 for bad credentials, 429 with
// Retry-After when throttled.
func (c *Console) loginFailed(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(te.RetryAfter.Seconds()))))
		c.loginRefused(w, r, v, http.StatusTooManyRequests, "Too many failed logins: "+te.Error()+".")
	case errors.Is(err, auth.ErrBadCredentials):
		c.loginRefused(w, r, v, http.StatusUnauthorized, "Invalid username or password.")
	default:
		c.internal(w, r, err)
	}
}

func (c *Console) loginRefused(w http.ResponseWriter, r *http.Request, v *view, status int, msg string) {
	v.CSRF = c.loginToken(w, r)
	v.Error = msg
	c.render(w, r, status, "login", v)
}

func (c *Console) tenantLogout(w http.ResponseWriter, r *http.Request, m *member) {
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		_, err := tx.Exec(r.Context(), deleteTenantSessionSQL, m.sess.hash)
		return err
	})
	if err != nil {
		c.internal(w, r, err)
		return
	}
	c.setCookie(w, r, tenantCookie, "", -1)
	http.Redirect(w, r, Prefix+"login/", http.StatusSeeOther)
}

func (c *Console) tenantHome(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, m.t.Name)
	v.Data = struct {
		Tenant *tenantry.Tenant
		Role   string
	}{m.t, m.user.Role}
	c.render(w, r, http.StatusOK, "home", v)
}

// clientOf is the address the request came from: the connection's peer,
// as the API counts failed logins.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// auditLogin records a console login's outcome, as the API records its own.
func auditLogin(ctx context.Context, tx *tenantdb.Tx, t *tenantry.Tenant, login string, u *auth.User, err error) error {
	e := audit.Event{TenantID: t.ID, Action: audit.LoginSucceeded, Target: login,
		Actor: audit.Actor{Kind: audit.ActorAnonymous, Name: login}, Details: map[string]any{"via": "console"}}
	var te *auth.ThrottledError
	switch {
	case err == nil:
		e.Actor = userActor(u)
	case errors.As(err, &te):
		e.Action = audit.LoginThrottled
	case errors.Is(err, auth.ErrBadCredentials):
		e.Action = audit.LoginFailed
	default:
		return nil
	}
	return audit.Record(ctx, tx, e)
}

func userActor(u *auth.User) audit.Actor {
	return audit.Actor{Kind: audit.ActorUser, ID: u.ID, Name: u.Username}
}
