package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// Cookie names. A tenant's session and an operator's have different
// names, and each is bound to the host that set it (no Domain attribute):
// neither is sent to another host, and one replayed there finds no session
// in that host's store.
const (
	tenantCookie   = "tenantry_console"
	operatorCookie = "tenantry_operator"
	loginCookie    = "tenantry_login" // the login form's CSRF token, before any session
)

// session is a logged-in session as stored: its token's hash and its
// CSRF token.
type session struct {
	hash []byte
	csrf string
}

// newToken returns a random token and its SHA-256 hash.
func newToken() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on Linux
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, hashToken(tok)
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// cookieToken returns the request's cookie name, if it looks like one of
// our tokens.
func cookieToken(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil || len(ck.Value) != 43 || strings.Trim(ck.Value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return ""
	}
	return ck.Value
}

// setCookie sets a host-bound cookie under Prefix; maxAge < 0 deletes it.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || c.cfg.SecureCookies, MaxAge: int(maxAge.Seconds())}
	if maxAge < 0 {
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

// sameToken compares a submitted token with the expected one in constant
// time; an empty expected token matches nothing.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// loginToken returns the login form's CSRF token, setting the cookie that
// carries it when the request has none.
func (c *Console) loginToken(w http.ResponseWriter, r *http.Request) string {
	if tok := cookieToken(r, loginCookie); tok != "" {
		return tok
	}
	tok, _ := newToken()
	c.setCookie(w, r, loginCookie, tok, time.Hour)
	return tok
}

// checkLoginToken reports whether a login form came with the token of its
// cookie: a form posted from another site cannot read it.
func checkLoginToken(r *http.Request) bool {
	return sameToken(r.PostFormValue("csrf"), cookieToken(r, loginCookie))
}

// safeNext returns next when it is a path of the console, else the
// console's home: a login never sends anyone off the site.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix) && !strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, Prefix+"login") {
		return next
	}
	return Prefix
}
