// Command lms is the loan-management example application on Tenantry: each
// lending company is a tenant with its own borrowers, loans and payments.
// The whole command line (dev, serve, migrate, tenant, run ...) comes from
// cli.Run; the application itself is package lms.
package main

import (
	"github.com/tenantry/tenantry/cli"
	"github.com/tenantry/tenantry/examples/lms/lms"
)

func main() { cli.Run(lms.App()) }
