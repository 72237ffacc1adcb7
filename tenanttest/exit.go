package tenanttest

import "sync"

// exitHooks run when Main's tests are done, before the cluster stops.
var exitHooks struct {
	mu  sync.Mutex
	fns []func()
}

// AtExit registers fn to run once the package's tests are done (Main),
// last registered first: how the test-only servers of the subpackages
// (a browser) stop with the test binary.
func AtExit(fn func()) {
	exitHooks.mu.Lock()
	defer exitHooks.mu.Unlock()
	exitHooks.fns = append(exitHooks.fns, fn)
}

func runExitHooks() {
	exitHooks.mu.Lock()
	fns := exitHooks.fns
	exitHooks.fns = nil
	exitHooks.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}
