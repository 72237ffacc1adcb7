package cli

// shortFlags are django-pgschemas' two-letter options, which a standard flag
// parser would read as two one-letter flags (-as as -a -s).
var shortFlags = map[string]string{
	"-as": "--all-schemas",
	"-ss": "--static-schemas",
	"-ds": "--dynamic-schemas",
	"-ts": "--tenant-schemas",
}

// rewriteShortFlags replaces the two-letter options with their long names,
// up to a "--" that ends the options.
func rewriteShortFlags(args []string) []string {
	out := make([]string, len(args))
	done := false
	for i, a := range args {
		if a == "--" {
			done = true
		}
		if long, ok := shortFlags[a]; ok && !done {
			a = long
		}
		out[i] = a
	}
	return out
}
