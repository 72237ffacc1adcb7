package console

import (
	"context"
	"errors"
	"net/http"

	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

func (c *Console) profileRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+Prefix+"profile/{$}", c.member("", c.profile))
	mux.Handle("POST "+Prefix+"profile/password/{$}", c.member("", c.changePassword))
}

// profileData is the profile page.
type profileData struct {
	User   *auth.User
	Schema string
}

func (c *Console) profile(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Your profile")
	v.Data = &profileData{User: m.user, Schema: m.t.SchemaName}
	if r.URL.Query().Get("done") == "password" {
		v.Notice = "Your password was changed. Your other sessions have ended."
	}
	c.render(w, r, http.StatusOK, "profile", v)
}

// changePassword checks the current password (throttled like a login),
// sets the new one, ends every session of the user and starts a new one
// for this browser.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Your profile")
	v.Data = &profileData{User: m.user, Schema: m.t.SchemaName}
	current, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	if next != again {
		c.formRefused(w, r, v, map[string]string{"confirm": "The two new passwords differ."})
		return
	}
	tok, authErr, err := c.replacePassword(r.Context(), m, current, next, clientOf(r))
	switch {
	case errors.Is(authErr, auth.ErrBadCredentials):
		c.formRefused(w, r, v, map[string]string{"current": "This is not your current password."})
	case authErr != nil:
		c.loginFailedProfile(w, r, v, authErr)
	case err != nil:
		if errs, ok := fieldErrors(err); ok {
			errs["new"] = errs["password"]
			c.formRefused(w, r, v, errs)
			return
		}
		c.internal(w, r, err)
	default:
		c.setCookie(w, r, tenantCookie, tok, c.cfg.SessionTTL)
		http.Redirect(w, r, Prefix+"profile/?done=password", http.StatusSeeOther)
	}
}

// replacePassword checks m's current password (a wrong one counts as a
// failed login), sets the new one, ends m's user's sessions and starts a
// new one for this browser, whose cookie token it returns; or why the
// current password was refused (authErr), or what failed.
func (c *Console) replacePassword(ctx context.Context, m *member, current, next, client string) (tok string, authErr, err error) {
	tok, hash := newToken()
	err = c.cfg.DB.InTenant(ctx, m.t, func(tx *tenantdb.Tx) error {
		if _, err := auth.Authenticate(ctx, tx, m.user.Username, current, client); err != nil {
			authErr = err
			return nil // commit the failure's record
		}
		if err := auth.ChangePassword(ctx, tx, m.user.ID, next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, endUserSessionsSQL, m.user.ID); err != nil {
			return err
		}
		// In the change's transaction: the session begins when the
		// password changed, so it survives the change.
		_, err := tx.Exec(ctx, insertTenantSessionSQL, hash, m.user.ID, m.sess.csrf, c.cfg.SessionTTL.Seconds())
		return err
	})
	return tok, authErr, err
}

// loginFailedProfile answers a throttled password check.
func (c *Console) loginFailedProfile(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		c.fail(w, r, http.StatusTooManyRequests, v, "Too many failed attempts: "+te.Error()+".")
		return
	}
	c.internal(w, r, err)
}
