package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
)

// platformRoutes are the platform console's pages on the base domain.
func (c *Console) platformRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix+"static/", static())
	if c.cfg.Registry == nil || c.cfg.Provisioner == nil {
		mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
			c.fail(w, r, http.StatusNotFound, &view{Site: "Platform", Platform: true}, "The platform console is not served here.")
		})
		return mux
	}
	mux.HandleFunc("GET "+Prefix+"login/{$}", c.operatorLoginPage)
	mux.HandleFunc("POST "+Prefix+"login/{$}", c.operatorLogin)
	mux.Handle("POST "+Prefix+"logout/{$}", c.operator(c.operatorLogout))
	mux.Handle("GET "+Prefix+"{$}", c.operator(c.platformHome))
	mux.Handle("GET "+Prefix+"tenants/{$}", c.operator(c.tenantList))
	mux.Handle("GET "+Prefix+"tenants/new/{$}", c.operator(c.tenantNew))
	mux.Handle("POST "+Prefix+"tenants/new/{$}", c.operator(c.tenantCreate))
	mux.Handle("GET "+Prefix+"tenants/{slug}/{$}", c.operator(c.tenantShow))
	mux.Handle("POST "+Prefix+"tenants/{slug}/suspend/{$}", c.operator(c.tenantStatus(true)))
	mux.Handle("POST "+Prefix+"tenants/{slug}/activate/{$}", c.operator(c.tenantStatus(false)))
	mux.Handle("GET "+Prefix+"tenants/{slug}/delete/{$}", c.operator(c.tenantConfirmDelete))
	mux.Handle("POST "+Prefix+"tenants/{slug}/delete/{$}", c.operator(c.tenantDelete))
	mux.Handle("GET "+Prefix+"fleet/{$}", c.operator(c.fleetPage))
	mux.Handle("GET "+Prefix+"spares/{$}", c.operator(c.sparesPage))
	mux.Handle("GET "+Prefix+"audit/{$}", c.operator(c.platformAudit))
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, &view{Site: "Platform", Platform: true}, "There is no such page in the platform console.")
	})
	return mux
}

// operatorReq is a request of a logged-in operator.
type operatorReq struct {
	op   *auth.Operator
	sess session
}

type operatorHandler func(w http.ResponseWriter, r *http.Request, o *operatorReq)

// operatorSession loads the request's operator session. A tenant's session
// cookie is another cookie, and its token is in no operator's store.
func (c *Console) operatorSession(ctx context.Context, r *http.Request) (*operatorReq, error) {
	tok := cookieToken(r, operatorCookie)
	if tok == "" {
		return nil, errNoSession
	}
	o := &operatorReq{op: &auth.Operator{}, sess: session{hash: hashToken(tok)}}
	err := c.cfg.Pool.QueryRow(ctx, operatorSessionSQL, o.sess.hash).
		Scan(&o.sess.csrf, &o.op.ID, &o.op.Username, &o.op.Email, &o.op.IsActive, &o.op.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("load operator session: %w", err)
	}
	return o, nil
}

// operator wraps h as member does for tenants: a live operator session,
// and the session's CSRF token on every form.
func (c *Console) operator(h operatorHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := c.operatorSession(r.Context(), r)
		switch {
		case errors.Is(err, errNoSession):
			c.needLogin(w, r, "Platform")
		case err != nil:
			c.internal(w, r, err)
		case !c.formAllowed(w, r, o.sess.csrf, "Platform"):
		default:
			h(w, r, o)
		}
	})
}

// platformView is the frame of a platform console page.
func (c *Console) platformView(o *operatorReq, title string) *view {
	return &view{Title: title, Site: "Platform", Platform: true, User: o.op.Username, CSRF: o.sess.csrf, Nav: []navLink{
		{Href: Prefix, Label: "Overview"}, {Href: Prefix + "tenants/", Label: "Tenants"}, {Href: Prefix + "fleet/", Label: "Fleet"},
		{Href: Prefix + "spares/", Label: "Spare pool"}, {Href: Prefix + "audit/", Label: "Audit log"},
	}}
}

func (c *Console) operatorLoginPage(w http.ResponseWriter, r *http.Request) {
	if _, err := c.operatorSession(r.Context(), r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	v := &view{Title: "Operator log in", Site: "Platform", Platform: true, CSRF: c.loginToken(w, r),
		Form: map[string]string{"next": safeNext(r.URL.Query().Get("next"))}}
	c.render(w, r, http.StatusOK, "login", v)
}

// operatorLogin checks an operator's login (throttled as the platform API's)
// and starts a session.
func (c *Console) operatorLogin(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: "Operator log in", Site: "Platform", Platform: true}
	if !c.loginFormAllowed(w, r, v) {
		return
	}
	login, password := r.PostFormValue("username"), r.PostFormValue("password")
	v.Form = map[string]string{"username": login, "next": safeNext(r.PostFormValue("next"))}
	if login == "" || password == "" {
		c.loginRefused(w, r, v, http.StatusUnprocessableEntity, "Type your username (or email) and your password.")
		return
	}
	o, err := auth.AuthenticateOperator(r.Context(), c.cfg.Pool, login, password, clientOf(r))
	if err != nil {
		if aerr := c.auditOperatorFailure(r.Context(), login, err); aerr != nil {
			c.internal(w, r, aerr)
			return
		}
		c.loginFailed(w, r, v, err)
		return
	}
	tok, err := c.startOperatorSession(r.Context(), o)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	c.setCookie(w, r, operatorCookie, tok, c.cfg.SessionTTL)
	c.setCookie(w, r, loginCookie, "", -1)
	http.Redirect(w, r, v.Form["next"], http.StatusSeeOther)
}

// auditOperatorFailure records a refused operator login, as the platform
// API does.
func (c *Console) auditOperatorFailure(ctx context.Context, login string, err error) error {
	if !errors.Is(err, auth.ErrBadCredentials) {
		return nil
	}
	return audit.Record(ctx, c.cfg.Pool, audit.Event{Action: audit.OperatorLoginFails, Target: login,
		Actor: audit.Actor{Kind: audit.ActorAnonymous, Name: login}, Details: map[string]any{"via": "console"}})
}

// startOperatorSession records o's login and stores a new session, whose
// cookie token it returns.
func (c *Console) startOperatorSession(ctx context.Context, o *auth.Operator) (string, error) {
	tok, hash := newToken()
	csrf, _ := newToken()
	err := pgx.BeginFunc(ctx, c.cfg.Pool, func(tx pgx.Tx) error {
		if err := audit.Record(ctx, tx, audit.Event{Action: audit.OperatorLoggedIn, Target: o.Username,
			Actor: operatorActor(o), Details: map[string]any{"via": "console"}}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, pruneOperatorSessionsSQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertOperatorSessionSQL, hash, o.ID, csrf, c.cfg.SessionTTL.Seconds())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("start operator session: %w", err)
	}
	return tok, nil
}

func (c *Console) operatorLogout(w http.ResponseWriter, r *http.Request, o *operatorReq) {
	if _, err := c.cfg.Pool.Exec(r.Context(), deleteOperatorSessionSQL, o.sess.hash); err != nil {
		c.internal(w, r, err)
		return
	}
	c.setCookie(w, r, operatorCookie, "", -1)
	http.Redirect(w, r, Prefix+"login/", http.StatusSeeOther)
}

func operatorActor(o *auth.Operator) audit.Actor {
	return audit.Actor{Kind: audit.ActorOperator, ID: o.ID, Name: o.Username}
}
