package debrief_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/debriefhq/debrief/"

// mayImport is the package dependency rule of docs/ARCHITECTURE.md: which
// of the module's packages each package's non-test code may import. The
// domain is at the bottom; parsers and stores adapt it and know nothing of
// each other; documents build on templates, checks on documents; the web
// server uses all of those but never a store; only main wires a store in.
// storetest is test support: no non-test code imports it.
var mayImport = map[string][]string{
	"debrief":     {},
	"mdread":      {},
	"diff":        {},
	"password":    {"debrief"},
	"ingest":      {"debrief", "mdread"},
	"search":      {"debrief"},
	"templates":   {"debrief"},
	"sqlstore":    {"debrief"},
	"review":      {"debrief"},
	"analytics":   {"debrief"},
	"notify":      {"debrief"},
	"live":        {"debrief"},
	"tracker":     {"debrief"},
	"export":      {"debrief", "templates", "mdread"},
	"quality":     {"debrief", "templates", "export", "mdread"},
	"storetest":   {"debrief", "password", "search", "ingest", "templates"},
	"web":         {"debrief", "password", "ingest", "search", "templates", "export", "quality", "mdread", "diff", "review", "analytics", "live"},
	"cmd/debrief": {"debrief", "password", "ingest", "search", "templates", "export", "quality", "mdread", "diff", "review", "analytics", "notify", "sqlstore", "web", "live", "tracker"},
}

// TestPackageDependencies holds every package of the module to mayImport,
// so the rule ARCHITECTURE.md states stays the rule the code follows. A
// package not in the table fails until its place in the rule is decided.
func TestPackageDependencies(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		seen[pkg] = true
		allowed, known := mayImport[pkg]
		if !known {
			t.Errorf("package %s is not in mayImport: decide which of the module's packages it may import and write it in docs/ARCHITECTURE.md and in the table", pkg)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			dep, ok := strings.CutPrefix(p, module)
			if !ok || dep == pkg {
				continue
			}
			if !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s; package %s may import only %v of this module (docs/ARCHITECTURE.md, Dependencies)", path, dep, pkg, allowed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"debrief", "sqlstore", "web", "cmd/debrief"} {
		if !seen[pkg] {
			t.Fatalf("found no Go files of package %s; the test is looking in the wrong directory", pkg)
		}
	}
}
