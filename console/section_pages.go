package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/tenantdb"
)

// pageSize is the number of rows of a list page.
const pageSize = 20

// maxSearch bounds what a search box takes.
const maxSearch = 200

// errFormResent: a form's nonce was used already.
var errFormResent = errors.New("form sent twice")

func (c *Console) sectionRoutes(mux *http.ServeMux, s *Section) {
	base := Prefix + s.Path + "/"
	mux.Handle("GET "+base+"{$}", c.member(s.Read, func(w http.ResponseWriter, r *http.Request, m *member) { c.sectionList(w, r, m, s) }))
	mux.Handle("GET "+base+"new/{$}", c.member(s.Write, func(w http.ResponseWriter, r *http.Request, m *member) { c.sectionNew(w, r, m, s) }))
	mux.Handle("POST "+base+"new/{$}", c.member(s.Write, func(w http.ResponseWriter, r *http.Request, m *member) { c.sectionCreate(w, r, m, s) }))
	mux.Handle("GET "+base+"{id}/{$}", c.member(s.Read, func(w http.ResponseWriter, r *http.Request, m *member) { c.sectionEdit(w, r, m, s) }))
	mux.Handle("POST "+base+"{id}/{$}", c.member(s.Write, func(w http.ResponseWriter, r *http.Request, m *member) { c.sectionUpdate(w, r, m, s) }))
	mux.Handle("GET "+base+"{id}/delete/{$}", c.member(s.Write, func(w http.ResponseWriter, r *http.Request, m *member) { c.sectionConfirm(w, r, m, s) }))
	mux.Handle("POST "+base+"{id}/delete/{$}", c.member(s.Write, func(w http.ResponseWriter, r *http.Request, m *member) { c.sectionDelete(w, r, m, s) }))
}

// sectionData is what the section pages are drawn from.
type sectionData struct {
	S        *Section
	CanWrite bool
	Page     *Page
	Search   string
	Prev     string // link to the previous page, or ""
	Next     string
	ID       int64
	From, To int
}

func (c *Console) sectionList(w http.ResponseWriter, r *http.Request, m *member, s *Section) {
	v := c.tenantView(m, s.Title)
	q, offset, msg := listQuery(r)
	if msg != "" {
		c.fail(w, r, http.StatusBadRequest, v, msg)
		return
	}
	var page *Page
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		var err error
		page, err = s.List(r.Context(), tx, Query{Search: q, Limit: pageSize, Offset: offset})
		return err
	})
	if err != nil {
		c.internal(w, r, fmt.Errorf("list %s: %w", s.Path, err))
		return
	}
	d := &sectionData{S: s, CanWrite: c.canWrite(m, s), Page: page, Search: q, From: offset + 1, To: offset + len(page.Rows)}
	d.Prev, d.Next = pageLinks(q, offset, len(page.Rows), page.Total)
	v.Notice = doneNotice(r, s.Noun)
	v.Data = d
	c.render(w, r, http.StatusOK, "section_list", v)
}

// listQuery reads a list's search and offset, or a message saying what is wrong.
func listQuery(r *http.Request) (string, int, string) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxSearch {
		return "", 0, fmt.Sprintf("The search is too long: at most %d characters.", maxSearch)
	}
	offset := 0
	if o := r.URL.Query().Get("offset"); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 || n > 1e9 {
			return "", 0, "The page asked for does not exist: offset must be a whole number from 0."
		}
		offset = n
	}
	return q, offset, ""
}

// pageLinks are the links to the pages before and after one.
func pageLinks(q string, offset, n int, total int64) (prev, next string) {
	link := func(o int) string { return "?" + url.Values{"q": {q}, "offset": {strconv.Itoa(o)}}.Encode() }
	if offset > 0 {
		prev = link(max(offset-pageSize, 0))
	}
	if int64(offset+n) < total {
		next = link(offset + pageSize)
	}
	return prev, next
}

// doneNotice is the message after a change, from the redirect's ?done=.
func doneNotice(r *http.Request, noun string) string {
	switch r.URL.Query().Get("done") {
	case "created":
		return "The " + noun + " was created."
	case "saved":
		return "The " + noun + " was saved."
	case "deleted":
		return "The " + noun + " was deleted."
	}
	return ""
}

func (c *Console) canWrite(m *member, s *Section) bool {
	return s.Write != "" && c.cfg.Policy.Allows(m.user.Role, s.Write)
}

func (c *Console) sectionNew(w http.ResponseWriter, r *http.Request, m *member, s *Section) {
	if s.Create == nil {
		c.fail(w, r, http.StatusNotFound, c.tenantView(m, s.Title), "New "+s.Noun+"s are not made here.")
		return
	}
	v := c.tenantView(m, "New "+s.Noun)
	v.Nonce, v.Form, v.Data = newNonce(), map[string]string{}, &sectionData{S: s, CanWrite: true}
	c.render(w, r, http.StatusOK, "section_form", v)
}

func (c *Console) sectionCreate(w http.ResponseWriter, r *http.Request, m *member, s *Section) {
	if s.Create == nil {
		c.fail(w, r, http.StatusNotFound, c.tenantView(m, s.Title), "New "+s.Noun+"s are not made here.")
		return
	}
	vals := readValues(r, s)
	v := c.tenantView(m, "New "+s.Noun)
	v.Form, v.Data = vals, &sectionData{S: s, CanWrite: true}
	if errs := checkValues(s, vals); len(errs) > 0 {
		c.formRefused(w, r, v, errs)
		return
	}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
		if err := useNonce(r.Context(), tx, m, r.PostFormValue("nonce")); err != nil {
			return err
		}
		_, err := s.Create(r.Context(), tx, m.user, vals)
		return err
	})
	if c.writeFailed(w, r, v, err) {
		return
	}
	http.Redirect(w, r, Prefix+s.Path+"/?done=created", http.StatusSeeOther)
}

// writeFailed answers a failed write, if err is one, and reports whether
// it did: field errors 422, a form sent twice 409, a missing record 404.
func (c *Console) writeFailed(w http.ResponseWriter, r *http.Request, v *view, err error) bool {
	if err == nil {
		return false
	}
	if errs, ok := fieldErrors(err); ok {
		c.formRefused(w, r, v, errs)
		return true
	}
	switch {
	case errors.Is(err, errFormResent):
		c.fail(w, r, http.StatusConflict, v, "This form was sent already: it was acted on once. Go back to the list to see the result.")
	case errors.Is(err, errNoNonce):
		c.fail(w, r, http.StatusBadRequest, v, "This form is incomplete (no nonce): reload the page and fill it in again.")
	case errors.Is(err, ErrNotFound):
		c.fail(w, r, http.StatusNotFound, v, "It does not exist (any more).")
	default:
		c.internal(w, r, err)
	}
	return true
}

// formRefused draws the form again with each field's error beside it.
func (c *Console) formRefused(w http.ResponseWriter, r *http.Request, v *view, errs map[string]string) {
	v.Errors = errs
	v.Error = "Please correct the fields marked below."
	if v.Nonce == "" {
		v.Nonce = newNonce()
	}
	c.render(w, r, http.StatusUnprocessableEntity, pageOf(v), v)
}

// pageOf is the form page a view belongs to.
func pageOf(v *view) string {
	switch v.Data.(type) {
	case *userForm:
		return "user_form"
	case *tenantForm:
		return "tenant_form"
	case *profileData:
		return "profile"
	}
	return "section_form"
}

// readValues reads the section's typed fields from the form.
func readValues(r *http.Request, s *Section) Values {
	vals := Values{}
	for _, f := range s.Fields {
		if !f.ReadOnly {
			vals[f.Name] = r.PostFormValue(f.Name)
		}
	}
	return vals
}

// checkValues applies the fields' declared rules: required, length.
func checkValues(s *Section, vals Values) map[string]string {
	errs := map[string]string{}
	for _, f := range s.Fields {
		val, ok := vals[f.Name]
		switch {
		case !ok:
		case f.Required && strings.TrimSpace(val) == "":
			errs[f.Name] = f.Label + " is required."
		case f.MaxLength > 0 && utf8.RuneCountInString(val) > f.MaxLength:
			errs[f.Name] = fmt.Sprintf("%s is too long: at most %d characters (this is %d).", f.Label, f.MaxLength, utf8.RuneCountInString(val))
		}
	}
	return errs
}

// recordID reads the {id} of the path; 0 when it is not one.
func recordID(r *http.Request) int64 {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

func (c *Console) sectionEdit(w http.ResponseWriter, r *http.Request, m *member, s *Section) {
	id := recordID(r)
	v := c.tenantView(m, fmt.Sprintf("%s %d", capitalize(s.Noun), id))
	var vals Values
	err := errors.New("no Get")
	if id > 0 && s.Get != nil {
		err = c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error {
			var err error
			vals, err = s.Get(r.Context(), tx, id)
			return err
		})
	}
	if id == 0 || s.Get == nil || errors.Is(err, ErrNotFound) {
		c.fail(w, r, http.StatusNotFound, v, fmt.Sprintf("There is no such %s.", s.Noun))
		return
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	v.Form, v.Data = vals, &sectionData{S: s, ID: id, CanWrite: c.canWrite(m, s) && s.Update != nil}
	v.Notice = doneNotice(r, s.Noun)
	c.render(w, r, http.StatusOK, "section_form", v)
}

func (c *Console) sectionUpdate(w http.ResponseWriter, r *http.Request, m *member, s *Section) {
	id := recordID(r)
	v := c.tenantView(m, fmt.Sprintf("%s %d", capitalize(s.Noun), id))
	if id == 0 || s.Update == nil {
		c.fail(w, r, http.StatusNotFound, v, fmt.Sprintf("There is no such %s to change.", s.Noun))
		return
	}
	vals := readValues(r, s)
	v.Form, v.Data = vals, &sectionData{S: s, ID: id, CanWrite: true}
	if errs := checkValues(s, vals); len(errs) > 0 {
		c.formRefused(w, r, v, errs)
		return
	}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error { return s.Update(r.Context(), tx, id, vals) })
	if c.writeFailed(w, r, v, err) {
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s%s/%d/?done=saved", Prefix, s.Path, id), http.StatusSeeOther)
}

func (c *Console) sectionConfirm(w http.ResponseWriter, r *http.Request, m *member, s *Section) {
	id := recordID(r)
	v := c.tenantView(m, fmt.Sprintf("Delete %s %d?", s.Noun, id))
	if id == 0 || s.Delete == nil {
		c.fail(w, r, http.StatusNotFound, v, fmt.Sprintf("There is no such %s to delete.", s.Noun))
		return
	}
	v.Data = &confirmData{Action: fmt.Sprintf("%s%s/%d/delete/", Prefix, s.Path, id), Back: Prefix + s.Path + "/",
		Question: fmt.Sprintf("Delete %s %d? This cannot be undone.", s.Noun, id), Button: "Delete " + s.Noun}
	c.render(w, r, http.StatusOK, "confirm", v)
}

func (c *Console) sectionDelete(w http.ResponseWriter, r *http.Request, m *member, s *Section) {
	id := recordID(r)
	v := c.tenantView(m, "Delete "+s.Noun)
	if id == 0 || s.Delete == nil {
		c.fail(w, r, http.StatusNotFound, v, fmt.Sprintf("There is no such %s to delete.", s.Noun))
		return
	}
	err := c.cfg.DB.InTenant(r.Context(), m.t, func(tx *tenantdb.Tx) error { return s.Delete(r.Context(), tx, id) })
	if errors.Is(err, ErrNotFound) {
		c.fail(w, r, http.StatusNotFound, v, fmt.Sprintf("There is no %s %d: it was deleted already, or never was.", s.Noun, id))
		return
	}
	if c.writeFailed(w, r, v, err) {
		return
	}
	http.Redirect(w, r, Prefix+s.Path+"/?done=deleted", http.StatusSeeOther)
}

// confirmData is the confirmation page of a destructive action.
type confirmData struct {
	Action, Back, Question, Button string
	Typed                          string // when set, the user must type this to confirm
}

// errNoNonce: a form that must carry a nonce came without one.
var errNoNonce = errors.New("form without nonce")

// newNonce is a fresh nonce for a form that must not be acted on twice.
func newNonce() string {
	tok, _ := newToken()
	return tok
}

// useNonce notes nonce as used by m's session, in the transaction of the
// form's change: errFormResent when it was used already. A change that
// fails rolls back, so the form may be sent again.
func useNonce(ctx context.Context, tx *tenantdb.Tx, m *member, nonce string) error {
	if nonce == "" || len(nonce) > 64 {
		return errNoNonce
	}
	var one int
	err := tx.QueryRow(ctx, useTenantNonceSQL, m.sess.hash, nonce).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return errFormResent // this session used it last
	}
	return err
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
