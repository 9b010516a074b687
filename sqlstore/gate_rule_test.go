package sqlstore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// gateExempt lists the *DB methods that mention the read pool without
// taking a connection from it, so they need not enter its gate. A method
// goes here only with the reason it holds.
var gateExempt = map[string]string{
	"stmtFor": "compares the querier it is given with db.r to pick a statement cache; the caller that passed db.r is the one checked",
	"Close":   "closes the pools; it takes no connection",
	"Ping":    "enters db.rg (and db.wg) through ping, which takes the gate as an argument",
}

// TestEveryReadEntersTheGate enforces the rule of pool.go and
// docs/ARCHITECTURE.md ("Engines") on the source: every exported method of
// *DB that uses the read pool db.r, itself or through unexported helpers
// that do not enter the gate, enters db.rg first. A read that skips the
// gate waits inside database/sql, without bound, for a connection that
// gated callers holding another one may never give back.
//
// Writes are not checked here: they only reach db.w through db.inTx,
// which enters the writer's gate.
func TestEveryReadEntersTheGate(t *testing.T) {
	methods := parseDBMethods(t)
	// needs reports whether m takes a read connection without entering the
	// gate on the way: itself, or through a callee that does not enter it.
	memo := map[string]bool{}
	var needs func(name string, seen map[string]bool) bool
	needs = func(name string, seen map[string]bool) bool {
		if v, ok := memo[name]; ok {
			return v
		}
		if seen[name] {
			return false
		}
		seen[name] = true
		if _, ok := gateExempt[name]; ok {
			return false
		}
		m := methods[name]
		v := m.usesR
		for _, c := range m.calls {
			if cm, ok := methods[c]; ok && !cm.enters && needs(c, seen) {
				v = true
			}
		}
		memo[name] = v
		return v
	}
	var names []string
	for name := range methods {
		names = append(names, name)
	}
	sort.Strings(names)
	checked := 0
	for _, name := range names {
		m := methods[name]
		if !ast.IsExported(name) {
			continue
		}
		if !needs(name, map[string]bool{}) {
			continue
		}
		checked++
		if !m.enters {
			t.Errorf("%s: (*DB).%s reads through db.r without entering db.rg: add `if err := db.rg.enter(ctx); err != nil { return ... }; defer db.rg.leave()` before the first read (pool.go)", m.pos, name)
		}
	}
	for name := range gateExempt {
		if _, ok := methods[name]; !ok {
			t.Errorf("gateExempt names %s, which *DB does not have; remove it", name)
		}
	}
	// The walk must have found the package's reads, or it checks nothing.
	if checked < 20 {
		t.Fatalf("only %d exported methods of *DB read through db.r; the source walk is broken", checked)
	}
}

// TestNoGateInsideATransaction enforces the other half of the rule: code
// that holds a connection does not wait for another. A function passed to
// db.inTx holds the writer's connection (and, on PostgreSQL, where rg and
// wg are one gate, a slot of the only gate), so nothing it calls on the
// store may enter a gate again, directly or through helpers: it reads
// through the transaction it was given instead.
func TestNoGateInsideATransaction(t *testing.T) {
	methods := parseDBMethods(t)
	var gated func(name string, seen map[string]bool) bool
	gated = func(name string, seen map[string]bool) bool {
		m, ok := methods[name]
		if !ok || seen[name] {
			return false
		}
		seen[name] = true
		if m.gates {
			return true
		}
		for _, c := range m.calls {
			if gated(c, seen) {
				return true
			}
		}
		return false
	}
	var names []string
	for name := range methods {
		names = append(names, name)
	}
	sort.Strings(names)
	inTx := 0
	for _, name := range names {
		m := methods[name]
		inTx += len(m.txCalls)
		for _, c := range m.txCalls {
			if gated(c, map[string]bool{}) {
				t.Errorf("%s: (*DB).%s calls %s inside db.inTx, and %s enters a pool's gate while the transaction holds a connection; read through the transaction instead", m.pos, name, c, c)
			}
		}
	}
	if inTx < 20 {
		t.Fatalf("found only %d calls inside db.inTx; the source walk is broken", inTx)
	}
}

// dbMethod is what TestEveryReadEntersTheGate needs to know of a method.
type dbMethod struct {
	pos    string
	usesR  bool     // mentions <recv>.r
	enters bool     // calls <recv>.rg.enter
	calls  []string // methods called on the receiver
	// gates says the method enters a gate itself: db.rg or db.wg, or
	// through db.inTx.
	gates bool
	// txCalls are the methods called on the receiver inside a function
	// passed to db.inTx, which runs holding the writer's connection.
	txCalls []string
}

// parseDBMethods returns the methods of *DB in the package's non-test
// files, by name.
func parseDBMethods(t *testing.T) map[string]*dbMethod {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]*dbMethod{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Body == nil {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			if id, ok := star.X.(*ast.Ident); !ok || id.Name != "DB" || len(fn.Recv.List[0].Names) != 1 {
				continue
			}
			recv := fn.Recv.List[0].Names[0].Name
			m := &dbMethod{pos: fset.Position(fn.Pos()).String()}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if isIdent(n.X, recv) && n.Sel.Name == "r" {
						m.usesR = true
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok {
						break
					}
					if isIdent(sel.X, recv) {
						m.calls = append(m.calls, sel.Sel.Name)
						if sel.Sel.Name == "inTx" {
							m.gates = true
							for _, arg := range n.Args {
								if fl, ok := arg.(*ast.FuncLit); ok {
									m.txCalls = append(m.txCalls, receiverCalls(fl.Body, recv)...)
								}
							}
						}
					}
					if inner, ok := sel.X.(*ast.SelectorExpr); ok && isIdent(inner.X, recv) && sel.Sel.Name == "enter" {
						switch inner.Sel.Name {
						case "rg":
							m.enters, m.gates = true, true
						case "wg":
							m.gates = true
						}
					}
				}
				return true
			})
			out[fn.Name.Name] = m
		}
	}
	return out
}

// receiverCalls returns the names of the methods called on recv in body.
func receiverCalls(body ast.Node, recv string) []string {
	var out []string
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, recv) {
				out = append(out, sel.Sel.Name)
			}
		}
		return true
	})
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
