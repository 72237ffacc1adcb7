package api

import (
	"fmt"
	"net/http"
)

// DocsPath is where the browsable API documentation is served, on every
// host, when Config.Docs is set.
const DocsPath = "/api/docs"

// mountConsole serves the console at /admin/ on tenant hosts, and sends a
// tenant host's / to it.
func (s *server) mountConsole(mux *http.ServeMux) {
	if s.cfg.Console == nil {
		return
	}
	mux.Handle("/admin/", s.cfg.Console)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	})
}

// mountDocs serves Config.Docs's rendering of the OpenAPI document at
// DocsPath (with or without a trailing slash).
func (s *server) mountDocs(root *http.ServeMux) error {
	if s.cfg.Docs == nil {
		return nil
	}
	doc, err := s.openAPI()
	if err != nil {
		return err
	}
	h, err := s.cfg.Docs(doc)
	if err != nil {
		return fmt.Errorf("api docs: %w", err)
	}
	root.Handle("GET "+DocsPath, h)
	root.Handle("GET "+DocsPath+"/", h)
	root.Handle("GET "+DocsPath+"/style.css", h)
	return nil
}

// openAPI is the OpenAPI document as /api/openapi.json serves it.
func (s *server) openAPI() ([]byte, error) {
	doc, err := s.oapi.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("api docs: marshal the OpenAPI document: %w", err)
	}
	return doc, nil
}
