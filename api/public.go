package api

import (
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

// public serves the fallback domains: the platform's own site, which knows
// nothing of any tenant.
func (s *server) public(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/platform/") || r.URL.Path == "/api/platform" {
		s.rest.ServeHTTP(w, r)
		return
	}
	if r.URL.Path != "/" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		tenanthttp.WriteProblem(w, http.StatusNotFound, "no such endpoint on the public site: "+r.Method+" "+r.URL.Path)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(publicPage))
}
