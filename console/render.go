package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// csp allows the console's own stylesheet and nothing else: no script, no
// inline style, no frames, forms posted only to the console's host.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// secureHeaders sets the headers of every console answer.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"day":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"add":  func(a, b int) int { return a + b },
	"list": func(s ...string) []string { return s },
	"sub":  func(a, b int) int { return a - b },
	"short": func(s string) string {
		if r := []rune(s); len(r) > 120 {
			return string(r[:119]) + "…"
		}
		return s
	},
}

// parsePages parses each page with the layout it is drawn in.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: list templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("console: parse %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// navLink is one entry of the navigation.
type navLink struct {
	Href, Label string
	Current     bool
}

// view is what every page is drawn from.
type view struct {
	Title    string
	Site     string // the tenant's name, or "Platform"
	Platform bool
	User     string // who is logged in; "" on the login page
	Nav      []navLink
	CSRF     string
	Nonce    string // a fresh nonce for a form that must not be sent twice
	Notice   string
	Error    string            // what went wrong, above the form
	Errors   map[string]string // what is wrong with each field, beside it
	Form     map[string]string // the values typed, to fill the form again
	Data     any
	CSS      string // the stylesheet's path; default the console's
}

// render writes page name with v and status. A template error is logged
// and answered 500 before anything is sent.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := c.pages[name]
	if !ok {
		c.internal(w, r, fmt.Errorf("no page %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.internal(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a client gone away is not our error
}

// internal logs err and answers a plain 500 that says nothing of it.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, err error) {
	c.log.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("internal error\n"))
}

// static serves the console's stylesheet.
func static() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static") // the directory is embedded
	files := http.StripPrefix(Prefix+"static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
