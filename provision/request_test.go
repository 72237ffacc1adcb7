package provision_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/provision"
	"github.com/tenantry/tenantry/tenanttest"
)

func TestCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	tests := []struct {
		name  string
		field string // the field the error must name
		edit  func(r *provision.Request)
	}{
		{"slug empty", "slug", func(r *provision.Request) { r.Slug = "" }},
		{"slug sql injection", "slug", func(r *provision.Request) { r.Slug = "acme; drop schema public" }},
		{"slug sql injection cascade", "slug", func(r *provision.Request) { r.Slug = "x; DROP SCHEMA public CASCADE; --" }},
		{"slug double quote", "slug", func(r *provision.Request) { r.Slug = `acme"` }},
		{"slug single quote", "slug", func(r *provision.Request) { r.Slug = "o'brien" }},
		{"slug unicode", "slug", func(r *provision.Request) { r.Slug = "café" }},
		{"slug cyrillic lookalike", "slug", func(r *provision.Request) { r.Slug = "\u0430cme" }},
		{"slug 57 bytes", "slug", func(r *provision.Request) { r.Slug = strings.Repeat("a", 57) }},
		{"slug 64 bytes", "slug", func(r *provision.Request) { r.Slug = strings.Repeat("a", 64) }},
		{"slug public", "slug", func(r *provision.Request) { r.Slug = "public" }},
		{"slug pg_toast", "slug", func(r *provision.Request) { r.Slug = "pg_toast" }},
		{"slug information_schema", "slug", func(r *provision.Request) { r.Slug = "information_schema" }},
		{"slug main", "slug", func(r *provision.Request) { r.Slug = "main" }},
		{"slug spare", "slug", func(r *provision.Request) { r.Slug = "_tenantry_spare_1" }},
		{"slug upper case", "slug", func(r *provision.Request) { r.Slug = "Acme" }},
		{"slug leading digit", "slug", func(r *provision.Request) { r.Slug = "1acme" }},
		{"slug hyphen", "slug", func(r *provision.Request) { r.Slug = "ac-me" }},
		{"slug nul", "slug", func(r *provision.Request) { r.Slug = "acme\x00" }},
		{"domain empty", "domain", func(r *provision.Request) { r.Domain = "" }},
		{"domain ipv4", "domain", func(r *provision.Request) { r.Domain = "127.0.0.1" }},
		{"domain ipv6", "domain", func(r *provision.Request) { r.Domain = "[::1]" }},
		{"domain double dot", "domain", func(r *provision.Request) { r.Domain = "a..b" }},
		{"domain unicode", "domain", func(r *provision.Request) { r.Domain = "café.example.com" }},
		{"domain port", "domain", func(r *provision.Request) { r.Domain = "acme.example.com:8000" }},
		{"domain 254 bytes", "domain", func(r *provision.Request) { r.Domain = strings.Repeat("a.", 127) + "com" }},
		{"domain no dot", "domain", func(r *provision.Request) { r.Domain = "localhost" }},
		{"domain quote", "domain", func(r *provision.Request) { r.Domain = "acme'.example.com" }},
		{"name empty", "name", func(r *provision.Request) { r.Name = "  " }},
		{"name 201 characters", "name", func(r *provision.Request) { r.Name = strings.Repeat("é", 201) }},
		{"locale", "locale", func(r *provision.Request) { r.Locale = "not a locale" }},
		{"locale injection", "locale", func(r *provision.Request) { r.Locale = "en'; DROP TABLE public.tenants; --" }},
		{"timezone unknown", "timezone", func(r *provision.Request) { r.Timezone = "Mars/Olympus_Mons" }},
		{"timezone path", "timezone", func(r *provision.Request) { r.Timezone = "../../etc/passwd" }},
		{"timezone Local", "timezone", func(r *provision.Request) { r.Timezone = "Local" }},
		{"currency two letters", "currency", func(r *provision.Request) { r.Currency = "EU" }},
		{"currency four letters", "currency", func(r *provision.Request) { r.Currency = "EURO" }},
		{"currency symbol", "currency", func(r *provision.Request) { r.Currency = "€" }},
		{"plan too long", "plan", func(r *provision.Request) { r.Plan = strings.Repeat("p", 65) }},
		{"admin email", "email", func(r *provision.Request) { r.Admin.Email = "not-an-email" }},
		{"admin email with name", "email", func(r *provision.Request) { r.Admin.Email = "Ana <ana@acme.example.com>" }},
		{"admin username", "username", func(r *provision.Request) { r.Admin.Username = "ana smith" }},
		{"admin role", "role", func(r *provision.Request) { r.Admin.Role = "Super User!" }},
		{"admin password missing", "password", func(r *provision.Request) { r.Admin.Password = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := acmeRequest()
			tt.edit(&req)
			ten, err := env.Provisioner.Create(context.Background(), req)
			var ve *tenantry.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Create = %v, %v; want a *tenantry.ValidationError", ten, err)
			}
			if !strings.Contains(ve.Field, tt.field) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q (field %q) does not name the field %q", err, ve.Field, tt.field)
			}
		})
	}
	assertFootprint(t, env, footprint{})
	var publicExists bool
	if err := env.Pool.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public')").Scan(&publicExists); err != nil || !publicExists {
		t.Errorf("schema public exists: %v, %v", publicExists, err)
	}
}

func TestCreateAcceptsEdgesOfTheRules(t *testing.T) {
	t.Parallel()
	env := tenanttest.Setup(t, nil)
	req := provision.Request{
		Slug:   strings.Repeat("a", 56),
		Name:   strings.Repeat("é", 200),
		Domain: "Acme.Example.COM.",
	}
	ten, err := env.Provisioner.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if len(ten.SchemaName) != tenantry.MaxIdentifierBytes || ten.Domains[0] != "acme.example.com" {
		t.Errorf("tenant = schema %s, domains %q", ten.SchemaName, ten.Domains)
	}
	if ten.Locale != "en" || ten.Timezone != "UTC" || ten.DefaultCurrency != "USD" || ten.Plan != "free" {
		t.Errorf("defaults = %s %s %s %s, want en UTC USD free", ten.Locale, ten.Timezone, ten.DefaultCurrency, ten.Plan)
	}
}
