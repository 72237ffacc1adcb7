package tenanthttp

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// problem is an RFC 9457 problem document with no extension members.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// WriteProblem writes an application/problem+json response: type
// "about:blank", title http.StatusText(status), the status and detail. The
// detail is sent to the client as it is: it must not hold internal errors.
// The response is marked Cache-Control: no-store, so that a proxy does not
// keep serving an error, such as a suspension, once it is over. Headers set
// on w before the call, such as Retry-After, are kept.
func WriteProblem(w http.ResponseWriter, status int, detail string) {
	body, err := json.Marshal(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
	if err != nil { // unreachable: the document holds only strings and an int
		body = []byte(`{"type":"about:blank"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a client that went away is not our error to report
}
