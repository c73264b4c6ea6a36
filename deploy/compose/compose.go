// Package compose checks docker-compose.yml without Docker: it loads the
// file with compose-go (the library behind `docker compose`) and checks the
// rules the fleet relies on, returning every broken one as a Problem.
//
// The rules:
//   - every long-running service has a healthcheck and `restart:
//     unless-stopped`; a one-shot job (a service some other service awaits
//     with service_completed_successfully, such as migrate) has `restart: "no"`;
//   - every depends_on entry waits on service_healthy (of a service that has a
//     healthcheck) or service_completed_successfully;
//   - only the public service (the gateway) publishes ports, and an operator
//     service (Grafana) may publish one on loopback only, and only while it
//     is confined to its opt-in profile (observability), never in the
//     default fleet;
//   - every upstream image (one that is not built here) is pinned by a tag
//     other than latest;
//   - every APP_* variable names a key of config/default.toml, by the rule of
//     pkg/platform/config (config.Load rejects an override of an unknown key);
//   - every build uses deploy/Dockerfile with the repository as context and a
//     SERVICE build arg naming a directory under services/ holding a main
//     package.
package compose

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/altisair/altis/pkg/platform/config"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// Rule names one of the checks; a Problem says which one it broke.
type Rule string

const (
	RuleHealthcheck Rule = "healthcheck"
	RuleDependsOn   Rule = "depends_on"
	RulePorts       Rule = "ports"
	RuleRestart     Rule = "restart"
	RuleConfigKey   Rule = "config_key"
	RuleBuild       Rule = "build"
	RuleImage       Rule = "image"
)

// Restart policies the rules ask for.
const (
	RestartLongRunning = "unless-stopped"
	RestartOneShot     = "no"
)

// Problem is one broken rule in one service.
type Problem struct {
	Service string
	Rule    Rule
	Detail  string
}

func (p Problem) String() string {
	return fmt.Sprintf("service %q: %s: %s", p.Service, p.Rule, p.Detail)
}

// Layout says where the repository keeps what the compose file refers to.
type Layout struct {
	Root        string // repository root: the build context
	Config      string // TOML defaults every APP_* variable must name a key of
	Dockerfile  string // the one Dockerfile every build uses, relative to Root
	ServicesDir string // where SERVICE build args point, relative to Root
	Public      string // the only service allowed to publish ports anywhere
	// Operator maps a service to the profile it must be confined to for
	// it to publish ports, on 127.0.0.1 only (tools for operators).
	Operator map[string]string
}

// ObservabilityProfile is the compose profile of Prometheus and Grafana.
const ObservabilityProfile = "observability"

// DefaultLayout is the Altis repository rooted at root.
func DefaultLayout(root string) Layout {
	return Layout{
		Root:        root,
		Config:      filepath.Join(root, "config", "default.toml"),
		Dockerfile:  filepath.Join("deploy", "Dockerfile"),
		ServicesDir: "services",
		Public:      "gateway",
		Operator:    map[string]string{"grafana": ObservabilityProfile},
	}
}

// ComposeFile is the compose file's name at the repository root.
const ComposeFile = "docker-compose.yml"

// LoadFile loads root/docker-compose.yml with the given profiles enabled
// (none: the default fleet).
func LoadFile(ctx context.Context, root string, profiles ...string) (*types.Project, error) {
	path := filepath.Join(root, ComposeFile)
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(ctx, root, path, content, profiles...)
}

// Load loads compose YAML as `docker compose` would from the directory
// root, with paths resolved against it. Interpolation sees an empty
// environment, so ${VAR:-default} takes its default whatever the shell
// running the check exports: the result does not depend on the machine.
// Services of profiles not listed are left out, as `docker compose` does.
func Load(ctx context.Context, root, filename string, content []byte, profiles ...string) (*types.Project, error) {
	details := types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filename, Content: content}},
		Environment: types.Mapping{},
	}
	return loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName("altis", true)
		o.Profiles = profiles
	})
}

// OneShot lists, sorted, the services another service awaits with
// service_completed_successfully: jobs that run once and exit.
func OneShot(p *types.Project) []string {
	var out []string
	for _, s := range p.Services {
		for name, d := range s.DependsOn {
			if d.Condition == types.ServiceConditionCompletedSuccessfully && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Check applies every rule to every service of p and returns the problems,
// sorted by service then rule; none means the file is fine.
func Check(p *types.Project, l Layout) []Problem {
	var c checker
	c.layout = l
	c.oneShot = OneShot(p)
	c.configKeys = map[string]error{}
	if _, err := config.Load(l.Config, nil); err != nil {
		c.add("", RuleConfigKey, "cannot load %s: %v", l.Config, err)
		c.configBroken = true
	}
	names := p.ServiceNames()
	sort.Strings(names)
	for _, name := range names {
		s := p.Services[name]
		c.healthcheck(name, s)
		c.dependsOn(p, name, s)
		c.ports(name, s)
		c.restart(name, s)
		c.environment(name, s)
		c.build(name, s)
		c.image(name, s)
	}
	sort.SliceStable(c.problems, func(i, j int) bool {
		a, b := c.problems[i], c.problems[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Rule < b.Rule
	})
	return c.problems
}

type checker struct {
	layout       Layout
	oneShot      []string
	configKeys   map[string]error // APP_NAME=value → config.Load's verdict
	configBroken bool
	problems     []Problem
}

func (c *checker) add(service string, rule Rule, format string, args ...any) {
	c.problems = append(c.problems, Problem{Service: service, Rule: rule, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) isOneShot(name string) bool { return slices.Contains(c.oneShot, name) }

func hasHealthcheck(s types.ServiceConfig) bool {
	h := s.HealthCheck
	return h != nil && !h.Disable && len(h.Test) > 0 && h.Test[0] != "NONE"
}

func (c *checker) healthcheck(name string, s types.ServiceConfig) {
	if c.isOneShot(name) || hasHealthcheck(s) {
		return
	}
	c.add(name, RuleHealthcheck, "long-running service has no healthcheck (or it is disabled)")
}

func (c *checker) dependsOn(p *types.Project, name string, s types.ServiceConfig) {
	deps := make([]string, 0, len(s.DependsOn))
	for dep := range s.DependsOn {
		deps = append(deps, dep)
	}
	sort.Strings(deps)
	for _, dep := range deps {
		switch cond := s.DependsOn[dep].Condition; cond {
		case types.ServiceConditionHealthy:
			if target, ok := p.Services[dep]; ok && !hasHealthcheck(target) {
				c.add(name, RuleDependsOn, "waits for %q to be healthy but %q has no healthcheck", dep, dep)
			}
		case types.ServiceConditionCompletedSuccessfully:
		default:
			c.add(name, RuleDependsOn, "depends on %q with condition %q: want %s or %s",
				dep, cond, types.ServiceConditionHealthy, types.ServiceConditionCompletedSuccessfully)
		}
	}
}

func (c *checker) ports(name string, s types.ServiceConfig) {
	if s.NetworkMode == "host" {
		c.add(name, RulePorts, "network_mode: host exposes every listener; only %q is public", c.layout.Public)
	}
	if name == c.layout.Public {
		return
	}
	profile, operator := c.layout.Operator[name]
	confined := operator && slices.Equal(s.Profiles, []string{profile})
	for _, port := range s.Ports {
		// A port without a host side ("8082") is published too, on an
		// ephemeral host port; `expose` is what keeps a port internal.
		published := port.Published
		if published == "" {
			published = "<ephemeral>"
		}
		switch {
		case confined && port.HostIP == loopback:
		case confined:
			c.add(name, RulePorts, "publishes %s:%d on %q; an operator service publishes on %s only",
				published, port.Target, hostIP(port.HostIP), loopback)
		case operator:
			c.add(name, RulePorts, "publishes %s:%d outside profile %q; only %q may publish ports in the default fleet",
				published, port.Target, profile, c.layout.Public)
		default:
			c.add(name, RulePorts, "publishes %s:%d; only %q may publish ports", published, port.Target, c.layout.Public)
		}
	}
}

const loopback = "127.0.0.1"

func hostIP(ip string) string {
	if ip == "" {
		return "every interface"
	}
	return ip
}

func (c *checker) restart(name string, s types.ServiceConfig) {
	want := RestartLongRunning
	if c.isOneShot(name) {
		want = RestartOneShot
	}
	if s.Restart != want {
		got := s.Restart
		if got == "" {
			got = "<unset>"
		}
		c.add(name, RuleRestart, "restart is %s, want %q", got, want)
	}
}

// environment checks the APP_* variables with config.Load itself, so the
// rule is the one every service applies at start: an override of a key the
// TOML defaults do not define is an error.
func (c *checker) environment(name string, s types.ServiceConfig) {
	if c.configBroken {
		return
	}
	keys := make([]string, 0, len(s.Environment))
	for k := range s.Environment {
		if strings.HasPrefix(k, config.EnvPrefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		value := ""
		if v := s.Environment[k]; v != nil {
			value = *v
		}
		kv := k + "=" + value
		err, seen := c.configKeys[kv]
		if !seen {
			_, err = config.Load(c.layout.Config, []string{kv})
			c.configKeys[kv] = err
		}
		if err != nil {
			c.add(name, RuleConfigKey, "%v", err)
		}
	}
}

func (c *checker) build(name string, s types.ServiceConfig) {
	b := s.Build
	if b == nil {
		return // an upstream image (postgres, redis, kafka)
	}
	root := filepath.Clean(c.layout.Root)
	if b.DockerfileInline != "" {
		c.add(name, RuleBuild, "uses dockerfile_inline; want %s", c.layout.Dockerfile)
	}
	if filepath.Clean(b.Context) != root {
		c.add(name, RuleBuild, "build context is %s, want the repository root %s", b.Context, root)
	}
	wantDockerfile := filepath.Join(root, c.layout.Dockerfile)
	dockerfile := b.Dockerfile
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(b.Context, dockerfile)
	}
	if filepath.Clean(dockerfile) != wantDockerfile {
		c.add(name, RuleBuild, "dockerfile is %s, want %s", b.Dockerfile, c.layout.Dockerfile)
	} else if _, err := os.Stat(wantDockerfile); err != nil {
		c.add(name, RuleBuild, "dockerfile: %v", err)
	}

	arg, ok := b.Args["SERVICE"]
	if !ok || arg == nil || *arg == "" {
		c.add(name, RuleBuild, "no SERVICE build arg: deploy/Dockerfile needs one")
		return
	}
	svc := *arg
	if svc != filepath.Base(svc) || svc == "." || svc == ".." || strings.ContainsAny(svc, `/\`) {
		c.add(name, RuleBuild, "SERVICE=%q is not a directory name under %s/", svc, c.layout.ServicesDir)
		return
	}
	dir := filepath.Join(root, c.layout.ServicesDir, svc)
	if err := hasMainPackage(dir); err != nil {
		c.add(name, RuleBuild, "SERVICE=%q: %v", svc, err)
	}
}

// image checks that an upstream image names a version: "latest" or no tag
// changes under the fleet at the next pull.
func (c *checker) image(name string, s types.ServiceConfig) {
	if s.Build != nil {
		return // built here; the image name is a local label
	}
	ref := s.Image
	if strings.Contains(ref, "@") {
		return // pinned by digest
	}
	tag := ""
	if colon := strings.LastIndex(ref, ":"); colon > strings.LastIndex(ref, "/") {
		tag = ref[colon+1:]
	}
	if tag == "" || tag == "latest" {
		c.add(name, RuleImage, "image %q is not pinned: name a version tag", ref)
	}
}

// hasMainPackage reports whether dir holds a Go main package, so that
// `go build ./services/<SERVICE>` makes a binary.
func hasMainPackage(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("no service directory: %w", err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.PackageClauseOnly)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
	}
	return fmt.Errorf("%s holds no main package: no binary can be built from it", dir)
}
