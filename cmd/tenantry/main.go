// Command tenantry is the Tenantry server and operator CLI; see package cli.
package main

import (
	"os"

	"github.com/tenantry/tenantry/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
