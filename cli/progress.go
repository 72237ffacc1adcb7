package cli

import (
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tenantry/tenantry/fleet"
)

// progress is a bar on the terminal, with counts and an ETA; on anything
// else (a pipe, CI, --json) it shows nothing.
type progress struct {
	bar *progressbar.ProgressBar
}

func (a *app) newProgress(verb string, total int, quiet bool) *progress {
	f, ok := a.stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) || total == 0 {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(verb),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("schemas"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p *progress) update(done, _ int, _ fleet.Result) {
	if p.bar != nil {
		_ = p.bar.Set(done) // a terminal write error is not worth failing the run for
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
