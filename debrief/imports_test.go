package debrief_test

import (
	"go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbiddenStd are standard packages that would tie the domain to one
// adapter: storage and transport belong to sqlstore and web.
var forbiddenStd = []string{"database/sql", "net/http", "os/exec", "html/template"}

// TestImportsOnlyStandardLibrary keeps the domain package free of adapters
// and third-party code: every import of a non-test file in this directory
// must be a standard package, and not one of forbiddenStd. Rules written
// here are then written once, whatever the database or transport.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		checked++
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatalf("%s: bad import %s", name, imp.Path.Value)
			}
			if !isStandard(path) {
				t.Errorf("%s imports %q; package debrief may import only the standard library (put adapters in their own package)", name, path)
			}
			for _, bad := range forbiddenStd {
				if path == bad || strings.HasPrefix(path, bad+"/") {
					t.Errorf("%s imports %q; the domain must not depend on storage or transport", name, path)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no Go files to check; the test is looking in the wrong directory")
	}
}

// isStandard reports whether path is a standard library package: its first
// element has no dot (as module paths do) and it resolves in GOROOT.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	if strings.Contains(first, ".") {
		return false
	}
	p, err := build.Default.Import(path, "", build.FindOnly)
	return err == nil && p.Goroot
}
