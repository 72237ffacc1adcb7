// Package console is Tenantry's web console: server-rendered pages for a
// tenant's people and for the platform's operators.
//
// On a tenant's host, /admin/ is the tenant console: users log in with
// their username or email and password (throttled like the API's login),
// and, as their role allows, work on the application's data (its
// Sections), the tenant's users, join requests and email domains, the
// audit log and their own profile. On the base domain, /admin/ is the
// platform console for operators: tenants, their domains and state, the
// fleet's migration state, the spare pool, the platform audit log and
// charts. APIDocs renders the OpenAPI document at /api/docs.
//
// Sessions are cookies bound to the host that issued them (no Domain
// attribute; HttpOnly, SameSite=Lax, Secure under TLS) whose tokens are
// stored hashed, a tenant's in its own schema and an operator's in public:
// a tenant's session is nothing on another tenant's host or on the base
// domain. Every form carries a CSRF token (403 without it). Pages are
// html/template with embedded CSS and no script, under a Content Security
// Policy without 'unsafe-inline'.
package console
