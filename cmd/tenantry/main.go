// Command tenantry is the Tenantry server and operator CLI for the
// reference application (package examples/items), built through the same
// entry point as any application: cli.Run.
package main

import (
	"github.com/tenantry/tenantry/cli"
	"github.com/tenantry/tenantry/examples/items"
)

func main() { cli.Run(items.App()) }
