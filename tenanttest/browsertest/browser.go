package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tenantry/tenantry/tenanttest"
)

// EnvRequireBrowser names the variable that decides what Tab does when no
// Chromium is installed: "1" fails the test, anything else skips it.
// `make test` sets it to 1.
const EnvRequireBrowser = "TENANTRY_REQUIRE_BROWSER"

// browser is the headless Chromium the test binary uses, started at most
// once: one browser per test package, a tab per test.
var browser struct {
	once    sync.Once
	ctx     context.Context // the browser's; tabs derive from it
	cancel  func()
	dataDir string
	err     error
}

// chromiumNames are the executables Tab looks for, Debian's first.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func findChromium() (string, error) {
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (looked for %v): install Debian's chromium (scripts/install-deps.sh does, as root)", chromiumNames)
}

// Tab returns the context of a new tab of the test binary's headless
// Chromium, closed when t ends; the browser starts on first use with a
// fresh profile and stops when the test binary exits (tenanttest.Main). Every host
// name resolves to 127.0.0.1, each tab keeps its own cookies, so a test server on a loopback port is
// reached as http://acme.test:<port>/ and no request leaves the machine.
// Without Chromium the test is skipped, or fails when EnvRequireBrowser is
// 1. Each action of the tab should carry its own timeout.
func Tab(t testing.TB) context.Context {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.err != nil {
		if os.Getenv(EnvRequireBrowser) == "1" {
			t.Fatalf("browsertest: %v (%s=1)", browser.err, EnvRequireBrowser)
		}
		t.Skipf("browsertest: %v; set %s=1 to fail instead of skipping", browser.err, EnvRequireBrowser)
	}
	// Each tab has a browser context of its own: its cookies are its own.
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatalf("browsertest: open a browser tab: %v", err)
	}
	return ctx
}

func startBrowser() {
	path, err := findChromium()
	if err != nil {
		browser.err = err
		return
	}
	dir, err := os.MkdirTemp("", "tenanttest-chromium-")
	if err != nil {
		browser.err = err
		return
	}
	browser.dataDir = dir
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(dir), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP * 127.0.0.1"), chromedp.WindowSize(1200, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// The first action starts the browser and ties it to the context it
	// runs on: bctx itself, not a shorter one.
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		browser.err = fmt.Errorf("start %s: %w", path, err)
		return
	}
	browser.ctx = bctx
	browser.cancel = func() { cancelBrowser(); cancelAlloc() }
	tenanttest.AtExit(stopBrowser)
}

// stopBrowser stops the test binary's Chromium, if it started one.
func stopBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dataDir != "" {
		os.RemoveAll(browser.dataDir)
	}
}

// ArtefactDir returns a directory for what a test leaves for people to
// look at (screenshots): $TENANTRY_ARTEFACTS/name, else artefacts/name at
// the module's root (git-ignored), created if needed.
func ArtefactDir(t testing.TB, name string) string {
	t.Helper()
	root := os.Getenv("TENANTRY_ARTEFACTS")
	if root == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for dir != filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			dir = filepath.Dir(dir)
		}
		root = filepath.Join(dir, "artefacts")
	}
	out := filepath.Join(root, name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatalf("browsertest: artefacts: %v", err)
	}
	return out
}
