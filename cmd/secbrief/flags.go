package main

import (
	"flag"
	"strings"
)

// parseInterleaved parses args with fs like fs.Parse, except that flags
// may also follow the arguments (`summarize page.html -json`), as users
// write them; fs.Parse alone stops at the first argument and would take
// "-json" for a second file. "-" stays an argument (stdin), and "--" ends
// the flags: every word after it is an argument, even one that starts with
// a dash. Afterwards fs.Args() holds the arguments in their order.
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case a == "-" || !strings.HasPrefix(a, "-"):
			positional = append(positional, a)
		default:
			flags = append(flags, a)
			// A flag that takes a value and is not written -name=value
			// takes the next word, whatever it looks like (-config -x.yaml).
			if takesNextWord(fs, a) {
				if i+1 == len(args) {
					// Nothing to take: fs.Parse says the flag needs an
					// argument (with "--" after it, it would take that).
					return fs.Parse(flags)
				}
				i++
				flags = append(flags, args[i])
			}
		}
	}
	// fs.Parse stops at "--" and keeps what follows as fs.Args().
	return fs.Parse(append(append(flags, "--"), positional...))
}

// takesNextWord reports whether the flag word a (such as "-config" or
// "--since") is a defined non-boolean flag without an "=value".
func takesNextWord(fs *flag.FlagSet, a string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	if name == "" || strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false // fs.Parse reports it as not defined
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}
