package cli_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing/fstest"

	"github.com/tenantry/tenantry/app"
	"github.com/tenantry/tenantry/cli"
	"github.com/tenantry/tenantry/tenanttest"
)

// An application declares its tables (and roles, routes, seeds, jobs,
// commands) and hands itself to cli.Main, or cli.Run from its main: its
// binary then has every tenantry command working on its tables.
func ExampleMain() {
	notes := &app.App{Name: "notes", TenantMigrations: fstest.MapFS{
		"0001_notes.sql": {Data: []byte("CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);")},
	}}

	env, done := tenanttest.NewExample(nil)
	defer done()
	os.Setenv("DATABASE_URL", env.URL)
	defer os.Unsetenv("DATABASE_URL")
	notesctl := func(args ...string) {
		var out, errOut strings.Builder
		code := cli.Main(notes, args, strings.NewReader(""), &out, &errOut)
		said := elapsed.ReplaceAllString(out.String()+errOut.String(), "in …")
		fmt.Printf("$ notes %s\n%s(exit %d)\n", strings.Join(args, " "), said, code)
	}
	notesctl("tenant", "create", "--slug", "acme", "--name", "Acme", "--domain", "acme.example.com")
	notesctl("exec", "-s", "acme", "--sql", "INSERT INTO notes (body) VALUES ('hello')")
	notesctl("exec", "-s", "acme", "--sql", "SELECT body FROM notes")
	// Output:
	// $ notes tenant create --slug acme --name Acme --domain acme.example.com
	// tenant acme created: schema tenant_acme, domain acme.example.com
	// (exit 0)
	// $ notes exec -s acme --sql INSERT INTO notes (body) VALUES ('hello')
	// == tenant_acme
	// INSERT 0 1
	// exec: ran in 1 schema in …
	// (exit 0)
	// $ notes exec -s acme --sql SELECT body FROM notes
	// == tenant_acme
	// body
	// hello
	// exec: ran in 1 schema in …
	// (exit 0)
}

// elapsed matches the run times in the commands' summaries.
var elapsed = regexp.MustCompile(`in [0-9.]+(µs|ms|s)\b`)
