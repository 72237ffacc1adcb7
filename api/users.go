package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/audit"
	"github.com/tenantry/tenantry/auth"
	"github.com/tenantry/tenantry/tenantdb"
)

type listUsersInput struct {
	Bearer
	Limit  int   `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"page size"`
	Offset int64 `query:"offset" minimum:"0" default:"0" doc:"entries to skip"`
}

type userInput struct {
	Bearer
	ID int64 `path:"id" minimum:"1" doc:"the user's id"`
}

type createUserInput struct {
	Bearer
	Body struct {
		Username usernameText `json:"username" doc:"letters, digits and _ . @ + -; unique in the tenant regardless of case"`
		Email    emailText    `json:"email" doc:"unique in the tenant regardless of case"`
		Password passwordText `json:"password"`
		Role     string       `json:"role,omitempty" maxLength:"32" doc:"default member; only owners may create owners"`
	}
}

type patchUserInput struct {
	Bearer
	ID   int64 `path:"id" minimum:"1" doc:"the user's id"`
	Body struct {
		Email    *emailText    `json:"email,omitempty"`
		Role     *string       `json:"role,omitempty" minLength:"1" maxLength:"32" doc:"only owners may make, change or unmake owners"`
		IsActive *bool         `json:"is_active,omitempty" doc:"false ends the user's sessions"`
		Password *passwordText `json:"password,omitempty" doc:"a new password ends the user's sessions"`
	}
}

type userOutput struct{ Body *auth.User }

type createdUserOutput struct {
	Location string `header:"Location" doc:"the new user's path"`
	Body     *auth.User
}

type usersOutput struct{ Body Page[auth.User] }

const lastOwnerRule = " The tenant's last active owner cannot be demoted, deactivated or deleted (409)."

func (s *server) registerUsers(api huma.API) {
	op := func(id, method, path, summary, desc string, perm auth.Permission, status int, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Tags: []string{"users"}, Summary: summary,
			Description: desc + " Needs the " + string(perm) + " permission.", DefaultStatus: status, Security: secured,
			MaxBodyBytes: MaxBodyBytes, Errors: append([]int{401, 403, 404, 422}, errs...)}
	}
	huma.Register(api, op("listUsers", http.MethodGet, "/api/users", "List the tenant's users, by id",
		"A page of limit users after offset; count is how many there are in all.", auth.UsersRead, 0), s.listUsers)
	huma.Register(api, op("getUser", http.MethodGet, "/api/users/{id}", "Get a user",
		"Users are shown without their password hashes.", auth.UsersRead, 0), s.getUser)
	huma.Register(api, op("createUser", http.MethodPost, "/api/users", "Create a user",
		"Creating an owner needs "+string(auth.OwnersManage)+".", auth.UsersManage, http.StatusCreated, 409, 413, 415), s.createUser)
	huma.Register(api, op("patchUser", http.MethodPatch, "/api/users/{id}", "Change a user's email, role, activity or password",
		"Changes only the fields given (at least one). Touching an owner, or making one, needs "+string(auth.OwnersManage)+"."+lastOwnerRule,
		auth.UsersManage, 0, 409, 413, 415), s.patchUser)
	huma.Register(api, op("deleteUser", http.MethodDelete, "/api/users/{id}", "Delete a user",
		"Deleting an owner needs "+string(auth.OwnersManage)+". The user's items stay, with created_by null."+lastOwnerRule,
		auth.UsersManage, http.StatusNoContent, 409), s.deleteUser)
}

func (s *server) manager() auth.Manager {
	return auth.Manager{Policy: s.cfg.Policy, DefaultRole: s.cfg.MemberRole}
}

func (s *server) listUsers(ctx context.Context, in *listUsersInput) (*usersOutput, error) {
	out := &usersOutput{Body: Page[auth.User]{Limit: in.Limit, Offset: in.Offset}}
	err := s.asUser(ctx, in.Bearer, auth.UsersRead, func(tx *tenantdb.Tx, _ *auth.User) error {
		users, total, err := auth.ListUsers(ctx, tx, in.Limit, int(in.Offset))
		out.Body.Results, out.Body.Count = users, int64(total)
		return err
	})
	return out, err
}

func (s *server) getUser(ctx context.Context, in *userInput) (*userOutput, error) {
	var out *userOutput
	err := s.asUser(ctx, in.Bearer, auth.UsersRead, func(tx *tenantdb.Tx, _ *auth.User) error {
		u, err := auth.GetUser(ctx, tx, in.ID)
		out = &userOutput{Body: u}
		return userNotFound(err, in.ID)
	})
	return out, err
}

func (s *server) createUser(ctx context.Context, in *createUserInput) (*createdUserOutput, error) {
	b := in.Body
	var out *createdUserOutput
	err := s.asUser(ctx, in.Bearer, auth.UsersManage, func(tx *tenantdb.Tx, actor *auth.User) error {
		u, err := s.manager().Create(ctx, tx, actor, auth.NewUser{Username: string(b.Username), Email: string(b.Email),
			Password: string(b.Password), Role: b.Role})
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Event{TenantID: tx.Tenant.ID, Action: audit.UserCreated, Target: u.Username,
			Actor: userActor(actor), Details: map[string]any{"role": u.Role}}); err != nil {
			return err
		}
		out = &createdUserOutput{Location: fmt.Sprintf("/api/users/%d/", u.ID), Body: u}
		return nil
	})
	return out, err
}

func (s *server) patchUser(ctx context.Context, in *patchUserInput) (*userOutput, error) {
	b := in.Body
	c := auth.Changes{Email: (*string)(b.Email), Role: b.Role, IsActive: b.IsActive, Password: (*string)(b.Password)}
	if c == (auth.Changes{}) {
		return nil, huma.Error422UnprocessableEntity("nothing to change: give email, role, is_active or password")
	}
	var out *userOutput
	err := s.asUser(ctx, in.Bearer, auth.UsersManage, func(tx *tenantdb.Tx, actor *auth.User) error {
		before, err := auth.GetUser(ctx, tx, in.ID)
		if err != nil {
			return userNotFound(err, in.ID)
		}
		u, err := s.manager().Update(ctx, tx, actor, in.ID, c)
		out = &userOutput{Body: u}
		if err != nil {
			return userNotFound(err, in.ID)
		}
		return auditUserChange(ctx, tx, actor, before, u)
	})
	return out, err
}

func (s *server) deleteUser(ctx context.Context, in *userInput) (*emptyOutput, error) {
	err := s.asUser(ctx, in.Bearer, auth.UsersManage, func(tx *tenantdb.Tx, actor *auth.User) error {
		before, err := auth.GetUser(ctx, tx, in.ID)
		if err != nil {
			return userNotFound(err, in.ID)
		}
		if err := s.manager().Delete(ctx, tx, actor, in.ID); err != nil {
			return userNotFound(err, in.ID)
		}
		return audit.Record(ctx, tx, audit.Event{TenantID: tx.Tenant.ID, Action: audit.UserDeleted, Target: before.Username,
			Actor: userActor(actor), Details: map[string]any{"role": before.Role}})
	})
	return &emptyOutput{}, err
}

// auditUserChange records a change of role or a deactivation of a user.
func auditUserChange(ctx context.Context, tx *tenantdb.Tx, actor, before, after *auth.User) error {
	if before.Role != after.Role {
		if err := audit.Record(ctx, tx, audit.Event{TenantID: tx.Tenant.ID, Action: audit.UserRoleChanged, Target: after.Username,
			Actor: userActor(actor), Details: map[string]any{"from": before.Role, "to": after.Role}}); err != nil {
			return err
		}
	}
	if before.IsActive && !after.IsActive {
		return audit.Record(ctx, tx, audit.Event{TenantID: tx.Tenant.ID, Action: audit.UserDeactivated, Target: after.Username,
			Actor: userActor(actor)})
	}
	return nil
}

// userNotFound names the missing user in err's message.
func userNotFound(err error, id int64) error {
	if errors.Is(err, auth.ErrUserNotFound) {
		return huma.Error404NotFound(fmt.Sprintf("user %d not found", id))
	}
	return err
}
