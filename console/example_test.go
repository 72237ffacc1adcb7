package console_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/tenantry/tenantry/console"
)

// APIDocs renders an OpenAPI document as a page that needs nothing from
// elsewhere: mount it at /api/docs (api.Config.Docs does).
func ExampleAPIDocs() {
	doc := `{"openapi":"3.1.0","info":{"title":"Notes API","version":"1.0.0"},
		"tags":[{"name":"notes","description":"A tenant's notes."}],
		"paths":{"/api/notes":{"post":{"operationId":"createNote","summary":"Create a note","tags":["notes"],
			"responses":{"201":{"description":"Created"}}}}}}`
	h, err := console.APIDocs([]byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/docs", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(strings.Contains(rec.Body.String(), `id="op-createNote"`))
	// Output:
	// 200 text/html; charset=utf-8
	// true
}
