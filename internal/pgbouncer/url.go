package pgbouncer

import (
	"fmt"
	"net/url"
)

// directOnly are URL parameters that describe the direct connection, not
// the one through PgBouncer.
var directOnly = []string{"host", "port", "password", "passfile", "sslmode", "sslcert", "sslkey", "sslrootcert",
	"sslpassword", "sslnegotiation", "sslsni", "target_session_attrs", "service", "servicefile", "channel_binding"}

// URL returns a URL that reaches the database and user of direct, a
// postgres:// URL on the server Start was given, through b: the user of
// the server URL when direct names none, no password (PgBouncer trusts its
// clients), sslmode=disable, the other parameters of direct kept, and
// default_query_exec_mode=exec, since pgx's default statement cache fails
// behind transaction pooling (a statement prepared on one server
// connection is not there on the next).
func (b *Bouncer) URL(direct string) (string, error) {
	u, err := url.Parse(direct)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("pgbouncer: %q is not a postgres:// URL", direct)
	}
	user := b.user
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	q := u.Query()
	for _, k := range directOnly {
		q.Del(k)
	}
	q.Set("sslmode", "disable")
	q.Set("default_query_exec_mode", "exec")
	out := url.URL{Scheme: "postgres", User: url.User(user), Host: b.addr, Path: u.Path, RawQuery: q.Encode()}
	return out.String(), nil
}
