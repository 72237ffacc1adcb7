package console_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tenantry/tenantry/tenanttest/browsertest"
)

// tab is a tab of the test binary's headless Chromium on the fixture.
type tab struct {
	t   *testing.T
	f   *fixture
	ctx context.Context
}

func (f *fixture) tab(t *testing.T) *tab {
	t.Helper()
	return &tab{t: t, f: f, ctx: browsertest.Tab(t)}
}

// url is the fixture's address of path on host.
func (b *tab) url(host, path string) string { return "http://" + host + ":" + b.f.port + path }

// do runs actions, failing the test on error; each call has a minute.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute) // a guard against a hang, not a measure
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.text("body"))
	}
}

// text is the text of the first element sel matches.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		return "(no " + sel + ": " + err.Error() + ")"
	}
	return s
}

// see fails the test unless the page's text comes to hold every text.
// It looks again until a guard runs out, because a click that submits a form
// returns before the next page replaces the current one, and the current one
// may match the wait that followed the click (a notice, a table).
func (b *tab) see(what string, texts ...string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second) // a guard against a hang, not a measure
	for {
		body := b.text("body")
		missing := ""
		for _, s := range texts {
			if !strings.Contains(body, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
			b.t.Fatalf("%s: the page at %s lacks %q:\n%s\n%s", what, b.location(), missing, body, html)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// location is the tab's URL.
func (b *tab) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

var unsafeName = regexp.MustCompile(`[^a-z0-9-]+`)

// shot writes a screenshot of the whole page to the artefacts directory.
func (b *tab) shot(name string) { b.capture(name, chromedp.FullScreenshot(100)) }

// shotTop writes a screenshot of what the window shows (for a long page).
func (b *tab) shotTop(name string) { b.capture(name, chromedp.CaptureScreenshot()) }

func (b *tab) capture(name string, take chromedp.Action[[]byte]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	png, err := chromedp.Run(ctx, take)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := browsertest.ArtefactDir(b.t, "console")
	file := filepath.Join(dir, unsafeName.ReplaceAllString(strings.ToLower(name), "-")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// login logs in on host's console through its form.
func (b *tab) login(host, username, password string) {
	b.t.Helper()
	b.do("log in as "+username,
		chromedp.Navigate(b.url(host, "/admin/")),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.logout`)))
}

// submit clicks the submit button of the form sel and waits for the next
// page: the body it marks before the click must be gone.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return navigates(chromedp.Click(chromedp.CSS(sel + ` button[type="submit"]`)))
}

// navigates runs a, which leads to another page, and waits for that page.
func navigates(a chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	mark := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](`document.body.dataset.old = "1"`)(ctx, t)
		return err
	})
	return chromedp.Steps(mark, a, chromedp.WaitVisible(chromedp.CSS("body:not([data-old]) h1")))
}

func TestBrowserLogInThenCreateEditAndDeleteAnItem(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	b.do("login page", chromedp.Navigate(b.url("alpha.test", "/")), chromedp.WaitVisible(chromedp.CSS("#username")))
	b.shot("tenant-login")
	b.login("alpha.test", "owner", "owner-password")
	b.shot("tenant-home")
	b.do("new item",
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/items/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button`)),
		chromedp.Click(chromedp.CSS(`a.button`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Field trip"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "Friday, <b>bring lunch</b>"),
		submit("form.card"))
	b.see("created", "The item was created.", "Field trip", "Friday, <b>bring lunch</b>")
	b.shot("tenant-items")
	b.do("edit",
		chromedp.Click(chromedp.CSS(`td.actions a`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SetValue(chromedp.CSS("#f-name"), "Field trip to the museum"),
		submit("form.card"))
	b.see("saved", "The item was saved.")
	b.shot("tenant-item-edit")
	b.do("delete",
		chromedp.Click(chromedp.CSS(`a.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`button.danger`)))
	b.see("confirmation", "cannot be undone")
	b.shot("tenant-item-delete")
	b.do("confirm", chromedp.Click(chromedp.CSS(`button.danger`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.see("deleted", "The item was deleted.", "Nothing found.")
}

func TestBrowserAddAUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	b.login("alpha.test", "owner", "owner-password")
	b.do("new user",
		chromedp.Navigate(b.url("alpha.test", "/admin/users/")),
		chromedp.Click(chromedp.CSS(`a.button`)),
		chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "rita"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "rita@alpha.test"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "short"),
		submit("form.card"))
	b.see("refused", "at least 8 characters")
	b.shot("tenant-user-refused")
	b.do("again",
		chromedp.SetValue(chromedp.CSS("#f-password"), "rita-password"),
		chromedp.SetValue(chromedp.CSS("#f-role"), "admin"),
		submit("form.card"))
	b.see("created", "The user was created.", "rita@alpha.test", "admin")
	b.shot("tenant-users")
	f.tab(t).login("alpha.test", "rita", "rita-password")
}

func TestBrowserApproveAJoinRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addJoinRequest(t, f.alpha, "jo@alpha-corp.test")
	b := f.tab(t)
	b.login("alpha.test", "owner", "owner-password")
	b.do("joins", chromedp.Click(chromedp.CSS(`nav a[href="/admin/joins/"]`)), chromedp.WaitVisible(chromedp.CSS("table")))
	b.see("request", "jo@alpha-corp.test", "pending")
	b.shot("tenant-joins")
	b.do("approve", chromedp.Click(chromedp.CSS(`form[action$="/approve/"] button`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.see("approved", "The request was approved", "approved")
	f.tab(t).login("alpha.test", "jo@alpha-corp.test", "joiner-password")
}

func TestBrowserOperatorCreatesAndSuspendsATenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	b.login(baseDomain, "op", "operator-password")
	b.see("overview", "Tenants created per day", "Audit events per day")
	b.shot("platform-overview")
	b.do("new tenant",
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/tenants/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button`)))
	b.shot("platform-tenants")
	b.do("form",
		chromedp.Click(chromedp.CSS(`a.button`)),
		chromedp.WaitVisible(chromedp.CSS("#f-slug")),
		chromedp.SendKeys(chromedp.CSS("#f-slug"), "gamma"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Gamma School"),
		chromedp.SendKeys(chromedp.CSS("#f-domain"), "gamma.test"),
		chromedp.SendKeys(chromedp.CSS("#f-admin_username"), "gina"),
		chromedp.SendKeys(chromedp.CSS("#f-admin_email"), "gina@gamma.test"),
		chromedp.SendKeys(chromedp.CSS("#f-admin_password"), "gina-password"),
		submit("form.card"))
	b.see("created", "The tenant was created.", "gamma.test", "1 (1 active)")
	b.shot("platform-tenant")
	f.tab(t).login("gamma.test", "gina", "gina-password")
	b.do("suspend", chromedp.Click(chromedp.CSS(`form[action$="/suspend/"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/activate/"]`)))
	b.see("suspended", "The tenant was suspended", "suspended")
	g := f.tab(t)
	g.do("suspended tenant", chromedp.Navigate(g.url("gamma.test", "/admin/login/")), chromedp.WaitReady(chromedp.CSS("body")))
	g.see("503", "suspended")
	b.do("fleet", chromedp.Navigate(b.url(baseDomain, "/admin/fleet/")), chromedp.WaitVisible(chromedp.CSS("h1")))
	b.shot("platform-fleet")
}

func TestBrowserTenantCookieOnAnotherTenantsHostIsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	b.login("alpha.test", "owner", "owner-password")
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.url("alpha.test", "/admin/")}})
	if err != nil {
		t.Fatal(err)
	}
	var session string
	for _, c := range cookies.Cookies {
		if c.Name == "tenantry_console" {
			session = c.Value
			if !c.HTTPOnly || c.Domain != "alpha.test" || c.SameSite != network.CookieSameSiteLax {
				t.Fatalf("session cookie: %+v", c)
			}
		}
	}
	if session == "" {
		t.Fatalf("no session cookie in %+v", cookies.Cookies)
	}
	for _, host := range []string{"beta.test", baseDomain} {
		o := f.tab(t)
		if _, err := chromedp.Call(o.ctx, network.SetCookie, network.SetCookieParams{Name: "tenantry_console", Value: session,
			URL: o.url(host, "/admin/")}); err != nil {
			t.Fatal(err)
		}
		o.do("replay on "+host, chromedp.Navigate(o.url(host, "/admin/")), chromedp.WaitVisible(chromedp.CSS("#username")))
		if !strings.Contains(o.location(), "/admin/login/") {
			t.Fatalf("alpha's cookie on %s reached %s", host, o.location())
		}
	}
}

func TestBrowserFormWithAForgedTokenIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	b.login("alpha.test", "owner", "owner-password")
	b.do("forged",
		chromedp.Navigate(b.url("alpha.test", "/admin/items/new/")),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SetValue(chromedp.CSS(`form.card input[name="csrf"]`), "forged"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "forged"),
		submit("form.card"))
	b.see("refused", "Form refused", "security token")
	b.shot("tenant-csrf-refused")
	if n := f.count(t, f.alpha, "SELECT count(*) FROM items"); n != 0 {
		t.Fatal("a forged form made an item")
	}
}

var linkPattern = regexp.MustCompile(`http://\S+/signup/verify\S*`)

func TestBrowserTheLinkAfterSignupLandsOnAPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	b.do("signup",
		chromedp.Navigate(b.url(baseDomain, "/")),
		chromedp.WaitVisible(chromedp.CSS("#company")),
		chromedp.SendKeys(chromedp.CSS("#company"), "Delta Learning"),
		chromedp.SendKeys(chromedp.CSS("#email"), "dana@delta-learning.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "dana-password"),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#result")))
	m := f.smtp.WaitFor(t, "dana@delta-learning.test", time.Minute)
	link := linkPattern.FindString(m.Text(t))
	if link == "" {
		t.Fatalf("no link in %q", m.Text(t))
	}
	b.do("verify",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.WaitVisible(chromedp.CSS("#result a")))
	b.shot("signup-verified")
	b.do("follow", chromedp.Click(chromedp.CSS("#result a")), chromedp.WaitVisible(chromedp.CSS("#username")))
	if loc := b.location(); !strings.Contains(loc, "delta-learning."+baseDomain) || !strings.Contains(loc, "/admin/login/") {
		t.Fatalf("the link landed on %s", loc)
	}
	b.shot("signup-landing")
	b.do("log in", chromedp.SendKeys(chromedp.CSS("#username"), "dana@delta-learning.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "dana-password"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("form.logout")))
	b.see("home", "Delta Learning", "owner")
}

func TestBrowserAPIDocs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	b.do("docs", chromedp.Navigate(b.url("alpha.test", "/api/docs")), chromedp.WaitVisible(chromedp.CSS("#op-createItem")))
	b.see("docs", "/api/items", "Schemas")
	b.shotTop("api-docs")
}

func TestBrowserLogInByKeyboardAndOnAPhone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.tab(t)
	focused := func() string {
		id, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.className`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	b.do("login page", chromedp.EmulateViewport(375, 812), chromedp.Navigate(b.url("alpha.test", "/admin/login/")),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	b.shot("phone-login")
	if got := focused(); got != "username" {
		t.Fatalf("the login page starts with %q focused, not the username", got)
	}
	b.do("type", chromedp.KeyEvent("owner"), chromedp.KeyEvent("\t"))
	if got := focused(); got != "password" {
		t.Fatalf("Tab from the username reaches %q", got)
	}
	b.do("submit by Enter", navigates(chromedp.KeyEvent("owner-password\r")))
	b.see("home", "Items", "Users")
	b.do("items", chromedp.Navigate(b.url("alpha.test", "/admin/items/")), chromedp.WaitVisible(chromedp.CSS("#q")))
	b.shot("phone-items")
	width, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 375 {
		t.Fatalf("the items page is %d wide on a 375 px screen (%v)", width, err)
	}
}
