package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// tags describes the operations' tags, in the order readers meet them.
var tags = []*huma.Tag{
	{Name: "tenant", Description: "What anyone may know of the tenant that serves the host."},
	{Name: "auth", Description: "Logging in on a tenant's host: access and refresh tokens."},
	{Name: "users", Description: "The tenant's users and the logged-in user's profile."},
	{Name: "items", Description: "The reference application's data."},
	{Name: "join requests", Description: "Signups from the tenant's email domains, and those domains."},
	{Name: "audit", Description: "The tenant's audit log."},
	{Name: "signup", Description: "Self-service signup, on the base domain."},
	{Name: "platform", Description: "Platform operators' API, on the base domain."},
}

// Answers every operation can give beyond those it declares: the
// middleware's and huma's own refusals of a malformed request.
var (
	badRequest = &huma.Response{Description: "Bad request: the path or query holds a NUL or invalid UTF-8, " +
		"or the body is not JSON or ended early."}
	tooLarge    = &huma.Response{Description: "Request body over 1 MiB."}
	unsupported = &huma.Response{Description: "Request body not sent as application/json."}
)

// describe completes the OpenAPI document once every operation is
// registered: servers, tags, the answers every operation can give, and
// the roles, which depend on the server's policy.
func (s *server) describe(api huma.API) {
	oapi := api.OpenAPI()
	oapi.Servers = []*huma.Server{{URL: "/",
		Description: "the host this document was fetched from: a tenant's host serves the tenant API, the base domain signup and the platform API"}}
	oapi.Tags = tags
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil {
				declareRefusals(op)
			}
		}
	}
	reg := oapi.Components.Schemas
	s.declareRoles(bodyProperty(reg, oapi, "/api/users", http.MethodPost, "role"))
	s.declareRoles(bodyProperty(reg, oapi, "/api/users/{id}", http.MethodPatch, "role"))
	for _, schema := range reg.Map() {
		for _, prop := range schema.Properties {
			publishPatternDescription(prop)
		}
	}
}

// publishPatternDescription renames huma's patternDescription, which is
// not a JSON Schema keyword (linters refuse it), to the extension
// x-pattern-description. Its message stays: huma made it already.
func publishPatternDescription(prop *huma.Schema) {
	if prop.PatternDescription == "" {
		return
	}
	if prop.Extensions == nil {
		prop.Extensions = map[string]any{}
	}
	prop.Extensions["x-pattern-description"] = prop.PatternDescription
	prop.PatternDescription = ""
}

// declareRefusals adds 400, and 413 and 415 to operations with a body,
// with the problem document the operation's other errors have.
func declareRefusals(op *huma.Operation) {
	content := problemContent(op)
	add := func(code string, r *huma.Response) {
		if _, ok := op.Responses[code]; !ok {
			op.Responses[code] = &huma.Response{Description: r.Description, Content: content}
		}
	}
	add("400", badRequest)
	if op.RequestBody != nil {
		add("413", tooLarge)
		add("415", unsupported)
	}
}

// problemContent is the content of op's declared error answers.
func problemContent(op *huma.Operation) map[string]*huma.MediaType {
	for code, r := range op.Responses {
		if strings.HasPrefix(code, "4") && r.Content != nil {
			return r.Content
		}
	}
	return nil
}

// bodyProperty is the schema of the JSON body's property name of the
// operation at method and path, or nil when the server has no such
// operation.
func bodyProperty(reg huma.Registry, oapi *huma.OpenAPI, path, method, name string) *huma.Schema {
	item := oapi.Paths[path]
	if item == nil {
		return nil
	}
	op := map[string]*huma.Operation{http.MethodPost: item.Post, http.MethodPatch: item.Patch}[method]
	if op == nil || op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil {
		return nil
	}
	body := op.RequestBody.Content["application/json"].Schema
	if body.Ref != "" {
		body = reg.SchemaFromRef(body.Ref)
	}
	if body == nil {
		return nil
	}
	return body.Properties[name]
}

// rolePattern is auth's rule for a role's name.
var rolePattern = regexp.MustCompile(`^[a-z_]{1,32}$`)

// declareRoles makes a role property an enum of the policy's roles.
func (s *server) declareRoles(prop *huma.Schema) {
	if prop == nil {
		return
	}
	prop.Enum = nil
	for _, role := range s.cfg.Policy.Roles() {
		if rolePattern.MatchString(role) {
			prop.Enum = append(prop.Enum, role)
		}
	}
	prop.PrecomputeMessages()
}
