package console

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// APIDocs returns a handler of the page that documents the API: the
// OpenAPI document doc rendered as HTML by the server, grouped by tag, with
// each operation's parameters, body and answers, and the schemas they use.
// Nothing is fetched from elsewhere: the page and its stylesheet are in the
// binary. The handler serves the page at any path; mount it at /api/docs.
func APIDocs(doc []byte) (http.Handler, error) {
	var d openAPI
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("console: read the OpenAPI document: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	v := &view{Title: d.Info.Title + " " + d.Info.Version, Site: "API documentation", Data: d.sections(), CSS: "/api/docs/style.css"}
	if err := pages["docs"].ExecuteTemplate(&buf, "layout", v); err != nil {
		return nil, fmt.Errorf("console: render the API documentation: %w", err)
	}
	page := buf.Bytes()
	css := static()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		if strings.HasSuffix(r.URL.Path, "/style.css") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = Prefix + "static/style.css"
			css.ServeHTTP(w, r2)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write(page)
	}), nil
}

// openAPI is what the page shows of an OpenAPI 3.1 document.
type openAPI struct {
	Info struct {
		Title, Version, Description string
	}
	Tags []struct {
		Name, Description string
	}
	Paths      map[string]map[string]*apiOp
	Components struct {
		Schemas map[string]*apiSchema
	}
}

type apiOp struct {
	OperationID string `json:"operationId"`
	Summary     string
	Description string
	Tags        []string
	Parameters  []struct {
		Name, In, Description string
		Required              bool
		Schema                *apiSchema
	}
	RequestBody *struct {
		Content map[string]struct{ Schema *apiSchema }
	} `json:"requestBody"`
	Responses map[string]struct{ Description string }
	Security  *[]map[string][]string
	// filled in for the page
	Method, Path string
}

type apiSchema struct {
	Ref         string `json:"$ref"`
	Type        any
	Format      string
	Description string
	Enum        []any
	Properties  map[string]*apiSchema
	Required    []string
	Items       *apiSchema
	MinLength   *int     `json:"minLength"`
	MaxLength   *int     `json:"maxLength"`
	Minimum     *float64 `json:"minimum"`
	Maximum     *float64 `json:"maximum"`
	Pattern     string
}

// docSection is one tag's operations.
type docSection struct {
	Name, Description string
	Ops               []*apiOp
}

// docPage is the whole page.
type docPage struct {
	Description string
	Sections    []docSection
	Schemas     []docSchema
}

type docSchema struct {
	Name        string
	Description string
	Fields      []docField
}

type docField struct {
	Name, Type, Rules, Description string
	Required                       bool
}

func (d *openAPI) sections() *docPage {
	byTag := map[string][]*apiOp{}
	for path, item := range d.Paths {
		for method, op := range item {
			op.Method, op.Path = strings.ToUpper(method), path
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], op)
		}
	}
	page := &docPage{Description: d.Info.Description}
	for _, t := range d.Tags {
		page.Sections = append(page.Sections, docSection{Name: t.Name, Description: t.Description, Ops: sortOps(byTag[t.Name])})
		delete(byTag, t.Name)
	}
	for _, name := range slices.Sorted(mapKeys(byTag)) {
		page.Sections = append(page.Sections, docSection{Name: name, Ops: sortOps(byTag[name])})
	}
	for _, name := range slices.Sorted(mapKeys(d.Components.Schemas)) {
		page.Schemas = append(page.Schemas, describeSchema(name, d.Components.Schemas[name]))
	}
	return page
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

var methodOrder = map[string]int{"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}

func sortOps(ops []*apiOp) []*apiOp {
	slices.SortFunc(ops, func(a, b *apiOp) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(methodOrder[a.Method], methodOrder[b.Method]))
	})
	return ops
}

func describeSchema(name string, s *apiSchema) docSchema {
	out := docSchema{Name: name, Description: s.Description}
	for _, p := range slices.Sorted(mapKeys(s.Properties)) {
		prop := s.Properties[p]
		out.Fields = append(out.Fields, docField{Name: p, Type: typeOf(prop), Rules: rulesOf(prop),
			Description: prop.Description, Required: slices.Contains(s.Required, p)})
	}
	return out
}

// typeOf names a schema's type, a reference by its schema's name.
func typeOf(s *apiSchema) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	}
	t := fmt.Sprint(s.Type)
	if list, ok := s.Type.([]any); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = fmt.Sprint(x)
		}
		t = strings.Join(parts, " or ")
	}
	if s.Items != nil {
		t += " of " + typeOf(s.Items)
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	return t
}

// rulesOf lists a schema's constraints.
func rulesOf(s *apiSchema) string {
	var r []string
	if s.MinLength != nil {
		r = append(r, fmt.Sprintf("at least %d characters", *s.MinLength))
	}
	if s.MaxLength != nil {
		r = append(r, fmt.Sprintf("at most %d characters", *s.MaxLength))
	}
	if s.Minimum != nil {
		r = append(r, fmt.Sprintf("minimum %g", *s.Minimum))
	}
	if s.Maximum != nil {
		r = append(r, fmt.Sprintf("maximum %g", *s.Maximum))
	}
	if len(s.Enum) > 0 {
		r = append(r, "one of "+strings.Trim(fmt.Sprint(s.Enum), "[]"))
	}
	if s.Pattern != "" {
		r = append(r, "pattern "+s.Pattern)
	}
	return strings.Join(r, "; ")
}

// docFuncs are the docs page's helpers.
func (o *apiOp) BodyType() string {
	if o.RequestBody == nil {
		return ""
	}
	for _, c := range o.RequestBody.Content {
		return typeOf(c.Schema)
	}
	return ""
}

// Codes lists the operation's answers in order.
func (o *apiOp) Codes() []string { return slices.Sorted(mapKeys(o.Responses)) }

// Anchor is the operation's id on the page.
func (o *apiOp) Anchor() template.URL { return template.URL("op-" + o.OperationID) }

// Secured reports whether the operation needs a token.
func (o *apiOp) Secured() bool { return o.Security == nil || len(*o.Security) > 0 }
