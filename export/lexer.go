package export

import "strings"

// The SQL that pg_restore writes is split into statements and rewritten
// with a small lexer that knows PostgreSQL's quoting: string literals
// (standard, E'' with backslash escapes), quoted identifiers, dollar
// quotes, and both kinds of comment. Only what is outside them ends a
// statement, and only whole tokens are renamed.

// lexState is where a statement being read stands at the end of a line.
type lexState struct {
	in    byte   // 0 (plain SQL), '\'' , 'E' (E'' literal), '"', '$' (dollar quote), '*' (block comment)
	tag   string // the dollar quote's tag, "$tag$"
	depth int    // block comments nest
	// words are the statement's first words, upper-cased, and nwords how
	// many it has had: in CREATE [OR REPLACE] FUNCTION or PROCEDURE, a body
	// of BEGIN ATOMIC ... END holds semicolons that end nothing, and
	// atomic counts how deep in BEGIN (and CASE) ... END it stands, as
	// psql counts.
	words  [4]string
	nwords int
	atomic int
}

// feed advances the state over s, a piece of one statement, and returns
// the index just after the first ';' that ends the statement, or -1.
func (st *lexState) feed(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch st.in {
		case 0:
			if end, ok := st.plain(s, &i, c); ok {
				return end
			}
		case '\'', 'E':
			if c == '\\' && st.in == 'E' {
				i++
			} else if c == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					i++
				} else {
					st.in = 0
				}
			}
		case '"':
			if c == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					i++
				} else {
					st.in = 0
				}
			}
		case '$':
			if c == '$' && strings.HasPrefix(s[i:], st.tag) {
				i += len(st.tag) - 1
				st.in = 0
			}
		case '*':
			st.comment(s, &i, c)
		}
	}
	return -1
}

// plain handles c in plain SQL, at s[*i]; it reports the end of the
// statement.
func (st *lexState) plain(s string, i *int, c byte) (int, bool) {
	switch {
	case c == ';' && st.atomic == 0:
		return *i + 1, true
	case identStart(c) && (*i == 0 || !identChar(s[*i-1])):
		end := *i + 1
		for end < len(s) && identChar(s[end]) {
			end++
		}
		st.word(strings.ToUpper(s[*i:end]))
		*i = end - 1
	case c == '-' && strings.HasPrefix(s[*i:], "--"):
		if nl := strings.IndexByte(s[*i:], '\n'); nl >= 0 {
			*i += nl
		} else {
			*i = len(s)
		}
	case c == '/' && strings.HasPrefix(s[*i:], "/*"):
		st.in, st.depth = '*', 1
		*i++
	case c == '\'':
		st.in = '\''
		if *i > 0 && (s[*i-1] == 'E' || s[*i-1] == 'e') && (*i < 2 || !identChar(s[*i-2])) {
			st.in = 'E'
		}
	case c == '"':
		st.in = '"'
	case c == '$' && (*i == 0 || !identChar(s[*i-1])):
		if tag := dollarTag(s[*i:]); tag != "" {
			st.in, st.tag = '$', tag
			*i += len(tag) - 1
		}
	}
	return 0, false
}

// word notes a word of plain SQL.
func (st *lexState) word(w string) {
	if st.nwords < len(st.words) {
		st.words[st.nwords] = w
	}
	st.nwords++
	if !st.routine() {
		return
	}
	switch {
	case w == "BEGIN":
		st.atomic++
	case w == "CASE" && st.atomic > 0:
		st.atomic++
	case w == "END" && st.atomic > 0:
		st.atomic--
	}
}

// routine reports whether the statement creates a function or procedure.
func (st *lexState) routine() bool {
	w := st.words
	isRoutine := func(s string) bool { return s == "FUNCTION" || s == "PROCEDURE" }
	return w[0] == "CREATE" && (isRoutine(w[1]) || w[1] == "OR" && w[2] == "REPLACE" && isRoutine(w[3]))
}

func (st *lexState) comment(s string, i *int, c byte) {
	switch {
	case c == '*' && *i+1 < len(s) && s[*i+1] == '/':
		st.depth--
		*i++
		if st.depth == 0 {
			st.in = 0
		}
	case c == '/' && *i+1 < len(s) && s[*i+1] == '*':
		st.depth++
		*i++
	}
}

// dollarTag returns the dollar-quote opener at the start of s ("$$",
// "$body$"), or "".
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1]
		}
		if !(c == '_' || c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 1 && c >= '0' && c <= '9') {
			return ""
		}
	}
	return ""
}

func identChar(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func identStart(c byte) bool {
	return c == '_' || c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
