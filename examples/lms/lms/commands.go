package lms

import (
	"flag"
	"io"

	"github.com/tenantry/tenantry/app"
)

// Commands are the application's own commands, each run per selected
// schema: lms run -ds overdue-report, lms run -s acme loaddata FILE.
func Commands() []app.Command {
	return []app.Command{
		{Name: "overdue-report", Usage: "[--as-of YYYY-MM-DD]", Schema: overdueReport,
			Short: "List the disbursed loans in arrears, worst first"},
		{Name: "loaddata", Usage: "FILE", Schema: loadData,
			Short: "Add the borrowers of a JSON file (an array of {name, email, phone, national_id}), skipping those already there"},
	}
}

// flags is a command's flag set, reporting to w.
func flags(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}
