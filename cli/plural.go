package cli

import "strconv"

// plural writes n with noun, in the singular for one: plural(1, "schema") is
// "1 schema", plural(2, "schema") "2 schemas". Every noun the command prints
// takes a plain s.
func plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}
