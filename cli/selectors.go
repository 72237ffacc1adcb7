package cli

import (
	"github.com/spf13/cobra"

	"github.com/tenantry/tenantry/fleet"
)

// selectorFlags adds django-pgschemas' selector options to cmd.
func selectorFlags(cmd *cobra.Command, sel *fleet.Selector) {
	f := cmd.Flags()
	f.StringArrayVarP(&sel.Schemas, "schema", "s", nil, "a schema, tenant slug or domain (repeatable)")
	f.StringArrayVarP(&sel.Exclude, "exclude", "x", nil, "leave out a schema, tenant slug or domain (repeatable)")
	f.BoolVar(&sel.All, "all-schemas", false, "public, static, tenant and spare schemas (-as)")
	f.BoolVar(&sel.Static, "static-schemas", false, "the static schemas (-ss)")
	f.BoolVar(&sel.Dynamic, "dynamic-schemas", false, "every tenant's schema (-ds)")
	f.BoolVar(&sel.Tenant, "tenant-schemas", false, "static and tenant schemas, not public (-ts)")
}

const selectorHelp = `
Selectors (django-pgschemas' spelling):
  -s, --schema NAME         a schema, tenant slug or domain (repeatable)
  -x, --exclude NAME        leave one out (repeatable)
  -as, --all-schemas        public, static, tenant and spare schemas
  -ss, --static-schemas     the static schemas (TENANTRY_STATIC_SCHEMAS, default main)
  -ds, --dynamic-schemas    every tenant's schema
  -ts, --tenant-schemas     static and tenant schemas, not public`
