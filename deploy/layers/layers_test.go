package layers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	repo     = "github.com/altisair/altis"
	pkgMod   = repo + "/pkg"
	services = repo + "/services/"
)

// drivers are the infrastructure libraries a domain package must not reach.
var drivers = []string{
	"github.com/labstack/echo",
	"github.com/jackc/pgx",
	"github.com/redis/rueidis",
	"github.com/twmb/franz-go",
}

// pkg is one package of `go list -deps -json`.
type pkg struct {
	ImportPath string
	Imports    []string
	DepOnly    bool
	Module     *struct{ Path string }
	Error      *struct{ Err string }
}

// graph is a module's production import graph (test files left out: a
// component test may wire real adapters), with its own packages marked.
type graph struct {
	module string
	pkgs   map[string]pkg
	own    []string
}

// TestLayers checks every workspace module's packages against the rules.
func TestLayers(t *testing.T) {
	root := workspaceRoot(t)
	seen := map[string]bool{}
	for _, mod := range modules(t, root) {
		g := load(t, root, mod.Dir, mod.Path)
		seen[mod.Path] = true
		for _, v := range violations(g) {
			t.Error(v)
		}
	}
	for _, want := range []string{pkgMod, services + "command", services + "gateway", services + "projector", services + "query"} {
		if !seen[want] {
			t.Errorf("module %s not in the workspace: the check would pass vacuously", want)
		}
	}
}

// TestViolations feeds the rules a made-up graph with one crossing of each
// kind, so a rule that stopped matching would show here.
func TestViolations(t *testing.T) {
	q := services + "query/internal/"
	edges := map[string][]string{
		q + "domain":         {"errors", pkgMod + "/events"},
		q + "domain/seat":    {q + "domain", "github.com/jackc/pgx/v5"},
		q + "app":            {q + "domain", q + "adapters/redis"},
		q + "ports/http":     {q + "app", q + "adapters/redis", "github.com/labstack/echo/v4"},
		q + "ports/sse":      {services + "command/internal/app"},
		q + "adapters/redis": {q + "app", "github.com/redis/rueidis"},
		pkgMod + "/events":   {q + "app"},
	}
	g := graph{module: services + "query", pkgs: map[string]pkg{}}
	for from, imps := range edges {
		g.pkgs[from] = pkg{ImportPath: from, Imports: imps}
		if strings.HasPrefix(from, q) {
			g.own = append(g.own, from)
		}
	}
	slices.Sort(g.own)
	got := violations(g)
	want := []string{
		q + "app imports " + q + "adapters/redis",
		q + "domain imports " + pkgMod + "/events -> " + q + "app",
		q + "domain/seat imports github.com/jackc/pgx/v5",
		q + "domain/seat imports " + q + "domain -> " + pkgMod + "/events -> " + q + "app",
		q + "ports/http imports " + q + "adapters/redis",
		q + "ports/sse imports " + services + "command/internal/app",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	pg := graph{module: pkgMod, pkgs: map[string]pkg{pkgMod + "/events": {Imports: []string{q + "app"}}}, own: []string{pkgMod + "/events"}}
	if got := violations(pg); len(got) != 1 {
		t.Errorf("pkg importing a service: %q, want one violation", got)
	}
}

// violations lists, for each of the module's own packages, every forbidden
// package it reaches, with the import chain that reaches it.
func violations(g graph) []string {
	var out []string
	for _, from := range g.own {
		forbidden := rules(g.module, from)
		if forbidden == nil {
			continue
		}
		for _, chain := range reach(g, from, forbidden) {
			out = append(out, fmt.Sprintf("%s imports %s", chain[0], strings.Join(chain[1:], " -> ")))
		}
	}
	return out
}

// rules returns the predicate a package of module may not import, or nil.
func rules(module, path string) func(string) bool {
	under := func(p, prefix string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }
	anyUnder := func(p string, prefixes ...string) bool {
		return slices.ContainsFunc(prefixes, func(x string) bool { return under(p, x) })
	}
	otherService := func(p string) bool { return strings.HasPrefix(p, services) && !under(p, module) }
	if module == pkgMod {
		return func(p string) bool { return strings.HasPrefix(p, services) }
	}
	if !strings.HasPrefix(module, services) {
		return nil
	}
	internal := module + "/internal/"
	adapters, ports, app := internal+"adapters", internal+"ports", internal+"app"
	switch {
	case under(path, internal+"domain"):
		layers := append([]string{adapters, ports, app}, drivers...)
		return func(p string) bool { return otherService(p) || anyUnder(p, layers...) }
	case under(path, app):
		return func(p string) bool { return otherService(p) || anyUnder(p, adapters, ports) }
	case under(path, ports):
		return func(p string) bool { return otherService(p) || under(p, adapters) }
	default:
		return otherService
	}
}

// reach walks the import graph breadth first from start and returns the
// shortest chain to each forbidden package; it does not walk past one.
func reach(g graph, start string, forbidden func(string) bool) [][]string {
	parent := map[string]string{start: ""}
	queue := []string{start}
	var chains [][]string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range g.pkgs[p].Imports {
			if _, ok := parent[imp]; ok {
				continue
			}
			parent[imp] = p
			if forbidden(imp) {
				chains = append(chains, chain(parent, imp))
				continue
			}
			queue = append(queue, imp)
		}
	}
	return chains
}

func chain(parent map[string]string, end string) []string {
	var c []string
	for p := end; p != ""; p = parent[p] {
		c = append(c, p)
	}
	slices.Reverse(c)
	return c
}

type module struct{ Path, Dir string }

// modules lists the workspace's modules.
func modules(t *testing.T, root string) []module {
	t.Helper()
	out := goCmd(t, root, root, "list", "-m", "-json")
	var mods []module
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var m module
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return mods
		} else if err != nil {
			t.Fatalf("go list -m: %v", err)
		}
		mods = append(mods, m)
	}
}

// load lists a module's packages and everything they import.
func load(t *testing.T, root, dir, path string) graph {
	t.Helper()
	out := goCmd(t, root, dir, "list", "-deps", "-json=ImportPath,Imports,DepOnly,Module,Error", "./...")
	g := graph{module: path, pkgs: map[string]pkg{}}
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list in %s: %v", dir, err)
		}
		if p.Error != nil {
			t.Errorf("go list in %s: %s: %s", dir, p.ImportPath, p.Error.Err)
		}
		g.pkgs[p.ImportPath] = p
		if !p.DepOnly && p.Module != nil && p.Module.Path == path {
			g.own = append(g.own, p.ImportPath)
		}
	}
	if len(g.own) == 0 {
		t.Errorf("module %s: no packages listed", path)
	}
	return g
}

// goCmd runs the go command in dir, in the workspace rooted at root even
// when the caller set GOWORK=off.
func goCmd(t *testing.T, root, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(root, "go.work"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return out
}

// workspaceRoot finds the folder holding go.work above the test's folder.
func workspaceRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
	}
	t.Fatal("go.work not found above the test's folder")
	return ""
}
