package console

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tenantry/tenantry"
)

// maxFormBytes bounds a form's body.
const maxFormBytes = 1 << 20

// parseForm reads a form's body once, bounded, and refuses text no field
// may hold (invalid UTF-8, NUL).
func parseForm(r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errors.New("the form could not be read: it is malformed or over 1 MiB")
	}
	for k, vs := range r.PostForm {
		for _, v := range append(vs, k) {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return errors.New("the form holds invalid UTF-8 or a NUL character")
			}
		}
	}
	return nil
}

// fail renders the error page with status and msg in v's frame.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, v *view, msg string) {
	v.Error = msg
	if v.Title == "" {
		v.Title = http.StatusText(status)
	}
	c.render(w, r, status, "error", v)
}

// fieldErrors turns a validation error into the message beside its field,
// when err is one; ok is false otherwise.
func fieldErrors(err error) (map[string]string, bool) {
	var fe *FieldError
	if errors.As(err, &fe) {
		return map[string]string{fe.Field: fe.Message}, true
	}
	var ve *tenantry.ValidationError
	if errors.As(err, &ve) {
		return map[string]string{ve.Field: ve.Reason}, true
	}
	return nil, false
}

// FieldError is a Section's answer to a value it refuses: the message is
// shown beside the field and the form is answered 422.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// formValues returns the form's values of names, trimmed of nothing.
func formValues(r *http.Request, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = r.PostFormValue(n)
	}
	return out
}
