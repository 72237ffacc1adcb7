package api

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/tenantry/tenantry/tenanthttp"
)

const publicPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tenantry</title></head>
<body><h1>Tenantry</h1>
<p>This is the platform's public site. Each tenant is served on its own domain.</p>
<p><a href="/healthz">/healthz</a></p></body></html>
`

var (
	//go:embed pages/signup.html
	signupPage []byte
	//go:embed pages/verify.html
	verifyPage []byte
)

// public serves the fallback domains: the platform's own site, which knows
// nothing of any tenant: the platform API, and with Config.Signup the
// signup API and its two pages (the form at /, and /signup/verify where
// the emailed link lands).
func (s *server) public(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if under(p, "/api/platform") || (s.cfg.Signup != nil && under(p, "/api/signup")) {
		s.rest.ServeHTTP(w, r)
		return
	}
	if s.cfg.Console != nil && under(p, "/admin") {
		s.cfg.Console.ServeHTTP(w, r)
		return
	}
	page := []byte(publicPage)
	switch strings.TrimRight(p, "/") {
	case "":
		if s.cfg.Signup != nil {
			page = signupPage
		}
	case "/signup/verify":
		if s.cfg.Signup == nil {
			page = nil
		} else {
			page = verifyPage
		}
	default:
		page = nil
	}
	if page == nil {
		tenanthttp.WriteProblem(w, http.StatusNotFound, "no such endpoint on the public site: "+r.Method+" "+p)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		tenanthttp.WriteProblem(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+p+": it is a page (GET)")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(page)
}

// under reports whether path is prefix or below it.
func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}
