package domains_test

import "net/http"

// recorder is a minimal http.ResponseWriter keeping the status and body.
type recorder struct {
	code int
	h    http.Header
	body []byte
}

func newRecorder() *recorder { return &recorder{code: http.StatusOK, h: http.Header{}} }

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }
