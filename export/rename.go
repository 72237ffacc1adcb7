package export

import (
	"strings"
)

// renamer rewrites the statements of a schema's dump for another schema
// name. pg_dump names every object qualified (schema.name) and points
// search_path nowhere, so the schema's name appears as an identifier
// before a dot, after the keyword SCHEMA, and inside the string literals
// of regclass values and settings ('tenant_a.items_id_seq', search_path
// 'tenant_a'). Those, and only those, are renamed; function bodies in
// dollar quotes, comments, and every other token are left as they are.
// Slugs make schema names plain lower-case identifiers, which pg_dump
// writes unquoted; quoted ones are handled too.
type renamer struct {
	from, to string
}

// rewrite returns stmt, one complete statement, with the schema renamed.
func (r renamer) rewrite(stmt string) string {
	var b strings.Builder
	b.Grow(len(stmt) + 16)
	prev := "" // the previous word, upper-cased, for SCHEMA x
	for i := 0; i < len(stmt); {
		c := stmt[i]
		switch {
		case c == '-' && strings.HasPrefix(stmt[i:], "--"):
			i = r.copyUntil(&b, stmt, i, lineEnd(stmt, i))
		case c == '/' && strings.HasPrefix(stmt[i:], "/*"):
			i = r.copyUntil(&b, stmt, i, commentEnd(stmt, i))
		case c == '\'':
			i = r.literal(&b, stmt, i)
			prev = ""
		case c == '"':
			end := quotedEnd(stmt, i, '"')
			name := strings.ReplaceAll(stmt[i+1:end-1], `""`, `"`)
			if name == r.from && (followedByDot(stmt, end) || prev == "SCHEMA") {
				b.WriteString(`"` + r.to + `"`)
			} else {
				b.WriteString(stmt[i:end])
			}
			i, prev = end, ""
		case c == '$' && (i == 0 || !identChar(stmt[i-1])) && dollarTag(stmt[i:]) != "":
			tag := dollarTag(stmt[i:])
			end := strings.Index(stmt[i+len(tag):], tag)
			if end < 0 {
				end = len(stmt)
			} else {
				end += i + 2*len(tag)
			}
			i = r.copyUntil(&b, stmt, i, end)
		case identStart(c):
			end := i + 1
			for end < len(stmt) && identChar(stmt[end]) {
				end++
			}
			word := stmt[i:end]
			if strings.ToLower(word) == r.from && (followedByDot(stmt, end) || prev == "SCHEMA") && !isEscapePrefix(stmt, end) {
				b.WriteString(r.to)
			} else {
				b.WriteString(word)
			}
			i, prev = end, strings.ToUpper(word)
		default:
			b.WriteByte(c)
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				prev = ""
			}
			i++
		}
	}
	return b.String()
}

// literal copies the string literal at stmt[i], renaming it when it is the
// schema's name or a name qualified by it; E” literals are copied as they
// are.
func (r renamer) literal(b *strings.Builder, stmt string, i int) int {
	escaped := i > 0 && (stmt[i-1] == 'E' || stmt[i-1] == 'e') && (i < 2 || !identChar(stmt[i-2]))
	if escaped {
		return r.copyUntil(b, stmt, i, escapedEnd(stmt, i))
	}
	end := quotedEnd(stmt, i, '\'')
	val := strings.ReplaceAll(stmt[i+1:end-1], "''", "'")
	switch {
	case val == r.from:
		val = r.to
	case strings.HasPrefix(val, r.from+"."):
		val = r.to + val[len(r.from):]
	case strings.HasPrefix(val, `"`+r.from+`".`):
		val = `"` + r.to + `"` + val[len(r.from)+2:]
	default:
		b.WriteString(stmt[i:end])
		return end
	}
	b.WriteString("'" + strings.ReplaceAll(val, "'", "''") + "'")
	return end
}

func (r renamer) copyUntil(b *strings.Builder, s string, i, end int) int {
	b.WriteString(s[i:end])
	return end
}

// isEscapePrefix reports whether the word ending at end is the E of an
// E” literal.
func isEscapePrefix(s string, end int) bool { return end < len(s) && s[end] == '\'' }

func followedByDot(s string, end int) bool { return end < len(s) && s[end] == '.' }

func lineEnd(s string, i int) int {
	if nl := strings.IndexByte(s[i:], '\n'); nl >= 0 {
		return i + nl
	}
	return len(s)
}

// commentEnd returns the index after the (nested) block comment at s[i].
func commentEnd(s string, i int) int {
	depth := 0
	for j := i; j+1 < len(s); j++ {
		switch {
		case s[j] == '/' && s[j+1] == '*':
			depth++
			j++
		case s[j] == '*' && s[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(s)
}

// quotedEnd returns the index after the quote q that closes the quoted
// text at s[i], where a doubled q stands for itself.
func quotedEnd(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// escapedEnd is quotedEnd for an E” literal, where a backslash escapes.
func escapedEnd(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(s) && s[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}
