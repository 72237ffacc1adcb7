// Package browsertest drives a real browser in tests: Tab opens a tab of a
// headless Chromium (Debian's chromium) through chromedp, one browser per
// test binary and a tab, with cookies of its own, per test, every host
// name resolving to 127.0.0.1. ArtefactDir is where tests leave
// screenshots for people to look at.
//
// It is a package of its own so that tests which do not drive a browser
// do not build chromedp. Use it with tenanttest.Main, which stops the
// browser when the tests end:
//
//	func TestMain(m *testing.M) { tenanttest.Main(m) }
//
//	func TestLogin(t *testing.T) {
//		ctx := browsertest.Tab(t)
//		err := chromedp.Do(ctx, chromedp.Navigate("http://acme.test:"+port+"/admin/"))
//		...
//	}
package browsertest
