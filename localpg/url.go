package localpg

import (
	"fmt"
	"strings"
)

// URL returns a connection URL for database over the server's Unix socket,
// postgres://USER@/DATABASE?host=SOCKETDIR&port=PORT, with every part
// percent-encoded so that pgx and libpq (psql) read it back unchanged. The
// port, which only names the socket file, is always given so that a PGPORT
// in the environment cannot redirect the connection. An empty database
// means the server's default, a database named like the user.
func (c *Cluster) URL(database string) string {
	return "postgres://" + escape(c.user) + "@/" + escape(database) +
		"?host=" + escape(c.socketDir) + "&port=" + escape(c.port)
}

// escape percent-encodes every byte of s except RFC 3986's unreserved
// characters. Unlike url.QueryEscape it never writes '+' for a space, which
// libpq-style parsers would keep as a literal '+'.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if unreserved(ch) {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// unreserved reports whether ch may appear in a URL component as is.
func unreserved(ch byte) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' ||
		ch == '-' || ch == '.' || ch == '_' || ch == '~'
}
