package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

func (c *Console) userRoutes(mux *http.ServeMux) {
	const base = Prefix + "users/"
	mux.Handle("GET "+base+"{$}", c.member(auth.UsersRead, c.userList))
	mux.Handle("GET "+base+"new/{$}", c.member(auth.UsersManage, c.userNew))
	mux.Handle("POST "+base+"new/{$}", c.member(auth.UsersManage, c.userCreate))
	mux.Handle("GET "+base+"{id}/{$}", c.member(auth.UsersRead, c.userShow))
	mux.Handle("POST "+base+"{id}/{$}", c.member(auth.UsersManage, c.userUpdate))
	mux.Handle("GET "+base+"{id}/delete/{$}", c.member(auth.UsersManage, c.userConfirm))
	mux.Handle("POST "+base+"{id}/delete/{$}", c.member(auth.UsersManage, c.userDelete))
}

// userForm is what the user pages are drawn from.
type userForm struct {
	Users     []auth.User
	User      *auth.User
	Roles     []string // the roles the actor may give
	CanManage bool     // the actor may change this user (or add users)
	Prev      string
	Next      string
	Total     int
}

func (c *Console) manager() auth.Manager {
	return auth.Manager{Policy: c.cfg.Policy, DefaultRole: c.cfg.MemberRole}
}

// ownerLike is auth.Manager's rule: owners, and roles that may manage them.
func (c *Console) ownerLike(role string) bool {
	return role == auth.RoleOwner || c.cfg.Policy.Allows(role, auth.OwnersManage)
}

// assignable lists the roles actor may give, the member role first.
func (c *Console) assignable(actor *auth.User) []string {
	out := []string{}
	mayOwners := c.cfg.Policy.Allows(actor.Role, auth.OwnersManage)
	if c.cfg.Policy.Has(c.cfg.MemberRole) {
		out = append(out, c.cfg.MemberRole)
	}
	for _, role := range c.cfg.Policy.Roles() {
		if role != c.cfg.MemberRole && (mayOwners || !c.ownerLike(role)) {
			out = append(out, role)
		}
	}
	return out
}

// mayManage reports whether actor may change target, by the Manager's rules.
func (c *Console) mayManage(actor, target *auth.User) bool {
	return c.cfg.Policy.Allows(actor.Role, auth.UsersManage) &&
		(!c.ownerLike(target.Role) || c.cfg.Policy.Allows(actor.Role, auth.OwnersManage))
}

func (c *Console) userList(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Users")
	_, offset, msg := listQuery(r)
	if msg != "" {
		c.fail(w, r, http.StatusBadRequest, v, msg)
		return
	}
	d := &userForm{CanManage: c.cfg.Policy.Allows(m.user.Role, auth.UsersManage)}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		var err error
		d.Users, d.Total, err = auth.ListUsers(r.Context(), tx, pageSize, offset)
		return err
	})
	if err != nil {
		c.internal(w, r, err)
		return
	}
	d.Prev, d.Next = pageLinks("", offset, len(d.Users), int64(d.Total))
	v.Notice = doneNotice(r, "user")
	v.Data = d
	c.render(w, r, http.StatusOK, "users", v)
}

func (c *Console) userNew(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "New user")
	v.Nonce, v.Form = newNonce(), map[string]string{"role": c.cfg.MemberRole}
	v.Data = &userForm{Roles: c.assignable(m.user), CanManage: true}
	c.render(w, r, http.StatusOK, "user_form", v)
}

func (c *Console) userCreate(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "New user")
	v.Form = formValues(r, "username", "email", "role")
	v.Data = &userForm{Roles: c.assignable(m.user), CanManage: true}
	nu := auth.NewUser{Username: v.Form["username"], Email: v.Form["email"], Password: r.PostFormValue("password"), Role: v.Form["role"]}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		if err := useNonce(r.Context(), tx, m, r.PostFormValue("nonce")); err != nil {
			return err
		}
		u, err := c.manager().Create(r.Context(), tx, m.user, nu)
		if err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, audit.Event{TenantID: m.t.ID, Action: audit.UserCreated, Target: u.Username,
			Actor: userActor(m.user), Details: map[string]any{"role": u.Role, "via": "console"}})
	})
	if c.userWriteFailed(w, r, v, err) {
		return
	}
	http.Redirect(w, r, Prefix+"users/?done=created", http.StatusSeeOther)
}

// userWriteFailed answers the user manager's refusals, then writeFailed's.
func (c *Console) userWriteFailed(w http.ResponseWriter, r *http.Request, v *view, err error) bool {
	switch {
	case errors.Is(err, auth.ErrUserExists):
		c.formRefused(w, r, v, map[string]string{"username": "A user with this username or email exists already."})
	case errors.Is(err, auth.ErrForbidden):
		c.fail(w, r, http.StatusForbidden, v, "Your role does not allow this change: only owners make, change or remove owners.")
	case errors.Is(err, auth.ErrLastOwner):
		c.fail(w, r, http.StatusConflict, v, "This is the tenant's last active owner: make another owner first.")
	case errors.Is(err, auth.ErrUserNotFound):
		c.fail(w, r, http.StatusNotFound, v, "There is no such user.")
	default:
		return c.writeFailed(w, r, v, err)
	}
	return true
}

// loadUser reads the path's user for m; it answers 404 itself.
func (c *Console) loadUser(w http.ResponseWriter, r *http.Request, m *member, v *view) *auth.User {
	id := recordID(r)
	var u *auth.User
	err := auth.ErrUserNotFound
	if id > 0 {
		err = c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
			var err error
			u, err = auth.GetUser(r.Context(), tx, id)
			return err
		})
	}
	if err != nil {
		c.userWriteFailed(w, r, v, err)
		return nil
	}
	return u
}

func (c *Console) userShow(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "User")
	u := c.loadUser(w, r, m, v)
	if u == nil {
		return
	}
	v.Title = "User " + u.Username
	v.Form = map[string]string{"role": u.Role}
	v.Notice = doneNotice(r, "user")
	v.Data = &userForm{User: u, Roles: c.assignable(m.user), CanManage: c.mayManage(m.user, u) && u.ID != m.user.ID}
	c.render(w, r, http.StatusOK, "user_form", v)
}

func (c *Console) userUpdate(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "User")
	u := c.loadUser(w, r, m, v)
	if u == nil {
		return
	}
	v.Title = "User " + u.Username
	v.Data = &userForm{User: u, Roles: c.assignable(m.user), CanManage: true}
	v.Form = formValues(r, "role")
	ch := auth.Changes{}
	if role := r.PostFormValue("role"); role != "" && role != u.Role {
		ch.Role = &role
	}
	switch r.PostFormValue("active") {
	case "0":
		ch.IsActive = new(bool)
	case "1":
		on := true
		ch.IsActive = &on
	}
	if ch == (auth.Changes{}) {
		c.fail(w, r, http.StatusUnprocessableEntity, v, "Nothing to change: choose another role, or deactivate or activate the user.")
		return
	}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		after, err := c.manager().Update(r.Context(), tx, m.user, u.ID, ch)
		if err != nil {
			return err
		}
		return auditUserChange(r, tx, m, u, after)
	})
	if c.userWriteFailed(w, r, v, err) {
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%susers/%d/?done=saved", Prefix, u.ID), http.StatusSeeOther)
}

// auditUserChange records a role change or a deactivation, as the API does.
func auditUserChange(r *http.Request, tx *tenantdb.Tx, m *member, before, after *auth.User) error {
	if before.Role != after.Role {
		if err := audit.Record(r.Context(), tx, audit.Event{TenantID: m.t.ID, Action: audit.UserRoleChanged, Target: after.Username,
			Actor: userActor(m.user), Details: map[string]any{"from": before.Role, "to": after.Role, "via": "console"}}); err != nil {
			return err
		}
	}
	if before.IsActive && !after.IsActive {
		return audit.Record(r.Context(), tx, audit.Event{TenantID: m.t.ID, Action: audit.UserDeactivated, Target: after.Username,
			Actor: userActor(m.user), Details: map[string]any{"via": "console"}})
	}
	return nil
}

func (c *Console) userConfirm(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Delete user")
	u := c.loadUser(w, r, m, v)
	if u == nil {
		return
	}
	v.Data = &confirmData{Action: fmt.Sprintf("%susers/%d/delete/", Prefix, u.ID), Back: fmt.Sprintf("%susers/%d/", Prefix, u.ID),
		Question: "Delete user " + u.Username + "? Their sessions end; what they made stays. This cannot be undone.", Button: "Delete user"}
	c.render(w, r, http.StatusOK, "confirm", v)
}

func (c *Console) userDelete(w http.ResponseWriter, r *http.Request, m *member) {
	v := c.tenantView(m, "Delete user")
	u := c.loadUser(w, r, m, v)
	if u == nil {
		return
	}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		if err := c.manager().Delete(r.Context(), tx, m.user, u.ID); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, audit.Event{TenantID: m.t.ID, Action: audit.UserDeleted, Target: u.Username,
			Actor: userActor(m.user), Details: map[string]any{"role": u.Role, "via": "console"}})
	})
	if c.userWriteFailed(w, r, v, err) {
		return
	}
	http.Redirect(w, r, Prefix+"users/?done=deleted", http.StatusSeeOther)
}
