package main

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParseInterleaved(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantJSON   bool
		wantConfig string
		wantArgs   []string
		wantErr    string
	}{
		{"flags first", []string{"-json", "-config", "c.yaml", "x.html"}, true, "c.yaml", []string{"x.html"}, ""},
		{"flag after the argument", []string{"x.html", "-json"}, true, "", []string{"x.html"}, ""},
		{"valued flag after the argument", []string{"x.html", "-config", "c.yaml", "-json"}, true, "c.yaml", []string{"x.html"}, ""},
		{"flag=value after the argument", []string{"x.html", "--config=c.yaml"}, false, "c.yaml", []string{"x.html"}, ""},
		{"dash is stdin, not a flag", []string{"-", "-json"}, true, "", []string{"-"}, ""},
		{"double dash ends the flags", []string{"-json", "--", "-odd.html", "-config"}, true, "", []string{"-odd.html", "-config"}, ""},
		{"a value that looks like a flag", []string{"-config", "-c.yaml", "x"}, false, "-c.yaml", []string{"x"}, ""},
		{"bool flag does not take the next word", []string{"-json", "x.html"}, true, "", []string{"x.html"}, ""},
		{"two arguments keep their order", []string{"a", "-json", "b"}, true, "", []string{"a", "b"}, ""},
		{"unknown flag after the argument", []string{"x.html", "-jsno"}, false, "", nil, "not defined: -jsno"},
		{"missing value", []string{"x.html", "-config"}, false, "", nil, "needs an argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			asJSON := fs.Bool("json", false, "")
			config := fs.String("config", "", "")
			err := parseInterleaved(fs, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *asJSON != tt.wantJSON || *config != tt.wantConfig || !slices.Equal(fs.Args(), tt.wantArgs) {
				t.Errorf("json %v config %q args %q; want %v %q %q", *asJSON, *config, fs.Args(), tt.wantJSON, tt.wantConfig, tt.wantArgs)
			}
		})
	}
}
