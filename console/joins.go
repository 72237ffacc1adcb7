package console

import (
	"errors"
	"net/http"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/signup"
)

func (c *Console) joinRoutes(mux *http.ServeMux) {
	if c.cfg.Signup == nil {
		return
	}
	const base = Prefix + "joins/"
	mux.Handle("GET "+base+"{$}", c.member(auth.UsersManage, c.joinList))
	mux.Handle("POST "+base+"{id}/approve/{$}", c.member(auth.UsersManage, c.decide(true)))
	mux.Handle("POST "+base+"{id}/reject/{$}", c.member(auth.UsersManage, c.decide(false)))
	mux.Handle("POST "+base+"domains/{$}", c.member(auth.UsersManage, c.autoJoin))
}

type joinData struct {
	Requests []signup.JoinRequest
	Domains  []signup.EmailDomain
}

func (c *Console) joinList(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Join requests")
	d := &joinData{}
	var err error
	if d.Requests, err = c.cfg.Signup.JoinRequests(r.Context(), m.t, ""); err == nil {
		d.Domains, err = c.cfg.Signup.EmailDomains(r.Context(), m.t)
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "approved":
		v.Notice = "The request was approved: the user can log in with the password they chose at signup."
	case "rejected":
		v.Notice = "The request was rejected: the requester is told by email."
	case "saved":
		v.Notice = "The email domain's auto-join was saved."
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "joins", v)
}

// decide approves or rejects the path's join request through signup, as
// the API does.
func (c *Console) decide(approve bool) tenantHandler {
	return func(w http.ResponseWriter, r *http.Request, m *member) {
		v := c.tenantView(m, "Join requests")
		id := recordID(r)
		_, err := c.cfg.Signup.Decide(audit.WithActor(r.Context(), userActor(m.user)), m.t, id, m.user.ID, approve)
		switch {
		case id == 0 || errors.Is(err, signup.ErrRequestNotFound):
			c.fail(w, r, http.StatusNotFound, v, "There is no such join request in this tenant.")
		case errors.Is(err, signup.ErrRequestDecided):
			c.fail(w, r, http.StatusConflict, v, "This join request was decided already.")
		case errors.Is(err, signup.ErrEmailRegistered):
			c.fail(w, r, http.StatusConflict, v, "A user with this email exists already.")
		case err != nil:
			c.internal(w, r, err)
		case approve:
			http.Redirect(w, r, Prefix+"joins/?done=approved", http.StatusSeeOther)
		default:
			http.Redirect(w, r, Prefix+"joins/?done=rejected", http.StatusSeeOther)
		}
	}
}

func (c *Console) autoJoin(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Join requests")
	domain := r.PostFormValue("domain")
	on := r.PostFormValue("auto_join") == "1"
	_, err := c.cfg.Signup.SetAutoJoin(r.Context(), m.t, domain, on)
	switch {
	case len(domain) > 253 || errors.Is(err, signup.ErrDomainNotFound):
		c.fail(w, r, http.StatusNotFound, v, "This tenant has not claimed that email domain.")
	case err != nil:
		c.internal(w, r, err)
	default:
		http.Redirect(w, r, Prefix+"joins/?done=saved", http.StatusSeeOther)
	}
}
