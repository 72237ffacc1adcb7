package tenanttest_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// An application's tests import tenanttest; the test-only servers they may
// not need (SMTP, a browser) live in subpackages, so tenanttest's own imports must not
// reach them.
func TestTenanttestDoesNotPullTestOnlyServers(t *testing.T) {
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", "github.com/tenantry/tenantry/tenanttest").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, banned := range []string{"github.com/emersion/go-smtp", "github.com/tenantry/tenantry/tenanttest/smtptest",
		"github.com/chromedp/chromedp", "github.com/tenantry/tenantry/tenanttest/browsertest"} {
		for _, dep := range strings.Fields(string(out)) {
			if dep == banned {
				t.Errorf("tenanttest depends on %s", banned)
			}
		}
	}
}
