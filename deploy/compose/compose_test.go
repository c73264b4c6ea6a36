package compose_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/altisair/altis/deploy/compose"
	"github.com/compose-spec/compose-go/v2/types"
)

// repoRoot is two levels above this package (deploy/compose).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.work", compose.ComposeFile, filepath.Join("config", "default.toml")} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Fatalf("repository root %s: %v", root, err)
		}
	}
	return root
}

func load(t *testing.T, root string, profiles ...string) *types.Project {
	t.Helper()
	p, err := compose.LoadFile(t.Context(), root, profiles...)
	if err != nil {
		t.Fatalf("load %s with profiles %v: %v", compose.ComposeFile, profiles, err)
	}
	return p
}

var (
	fleet         = []string{"postgres", "redis", "kafka", "migrate", "command", "projector", "query", "gateway"}
	observability = []string{"prometheus", "grafana"}
)

// The file passes every rule as the default fleet and with the
// observability profile; the profile adds Prometheus and Grafana and
// nothing else, and without it only the gateway publishes a port.
func TestComposeFile(t *testing.T) {
	root := repoRoot(t)
	for _, tc := range []struct {
		name     string
		profiles []string
		want     []string
	}{
		{"default fleet", nil, fleet},
		{"observability profile", []string{compose.ObservabilityProfile}, slices.Concat(fleet, observability)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := load(t, root, tc.profiles...)
			for _, problem := range compose.Check(p, compose.DefaultLayout(root)) {
				t.Error(problem)
			}
			// The check must have seen the fleet it guards, not an empty project.
			got := p.ServiceNames()
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("services = %v, want %v", got, want)
			}
			if got := compose.OneShot(p); !slices.Equal(got, []string{"migrate"}) {
				t.Errorf("one-shot jobs = %v, want [migrate]", got)
			}
			if len(p.Services["gateway"].Ports) == 0 {
				t.Error("the gateway publishes no port")
			}
			for name, s := range p.Services {
				if len(s.Ports) > 0 && name != "gateway" && tc.profiles == nil {
					t.Errorf("%s publishes a port in the default fleet", name)
				}
			}
		})
	}
}

type finding struct {
	service string
	rule    compose.Rule
}

func (f finding) String() string { return fmt.Sprintf("%s/%s", f.service, f.rule) }

func findings(problems []compose.Problem) []finding {
	var out []finding
	for _, p := range problems {
		f := finding{p.Service, p.Rule}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// edit changes one service of a loaded project.
func edit(name string, fn func(*types.ServiceConfig)) func(*testing.T, *types.Project) {
	return func(t *testing.T, p *types.Project) {
		t.Helper()
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("no service %q to edit", name)
		}
		fn(&s)
		p.Services[name] = s
	}
}

func ptr(s string) *string { return &s }

// Each variant breaks one rule; Check must report exactly the expected
// findings (service and rule), so a variant cannot pass by accident on an
// unrelated problem. The file is loaded with the observability profile, so
// Prometheus and Grafana are checked too.
func TestBrokenVariants(t *testing.T) {
	root := repoRoot(t)
	layout := compose.DefaultLayout(root)
	original, err := os.ReadFile(filepath.Join(root, compose.ComposeFile))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		// Either yaml rewrites the file's text (old → new, each old must occur
		// exactly once) or mutate edits the loaded project.
		yaml   [][2]string
		mutate func(*testing.T, *types.Project)
		want   []finding
	}{
		{
			name: "published query port",
			mutate: edit("query", func(s *types.ServiceConfig) {
				s.Ports = append(s.Ports, types.ServicePortConfig{Target: 8082, Published: "8082", Protocol: "tcp", Mode: "ingress"})
			}),
			want: []finding{{"query", compose.RulePorts}},
		},
		{
			name: "query port in short syntax (ephemeral host port)",
			yaml: [][2]string{{
				"    image: altis/query:local\n",
				"    image: altis/query:local\n    ports:\n      - \"8082\"\n",
			}},
			want: []finding{{"query", compose.RulePorts}},
		},
		{
			name: "prometheus publishes its port",
			mutate: edit("prometheus", func(s *types.ServiceConfig) {
				s.Ports = append(s.Ports, types.ServicePortConfig{Target: 9090, Published: "9090", HostIP: "127.0.0.1", Protocol: "tcp", Mode: "ingress"})
			}),
			want: []finding{{"prometheus", compose.RulePorts}},
		},
		{
			name: "grafana published on every interface",
			yaml: [][2]string{{`      - "127.0.0.1:3000:3000"`, `      - "3000:3000"`}},
			want: []finding{{"grafana", compose.RulePorts}},
		},
		{
			name: "grafana in the default fleet",
			yaml: [][2]string{{
				"    image: grafana/grafana:11.4.0\n    profiles: [\"observability\"]\n",
				"    image: grafana/grafana:11.4.0\n",
			}},
			want: []finding{{"grafana", compose.RulePorts}},
		},
		{
			name:   "unpinned upstream image",
			mutate: edit("prometheus", func(s *types.ServiceConfig) { s.Image = "prom/prometheus" }),
			want:   []finding{{"prometheus", compose.RuleImage}},
		},
		{
			name:   "upstream image on latest",
			mutate: edit("redis", func(s *types.ServiceConfig) { s.Image = "redis:latest" }),
			want:   []finding{{"redis", compose.RuleImage}},
		},
		{
			name:   "grafana without a healthcheck",
			mutate: edit("grafana", func(s *types.ServiceConfig) { s.HealthCheck = nil }),
			want:   []finding{{"grafana", compose.RuleHealthcheck}},
		},
		{
			name:   "missing healthcheck",
			mutate: edit("projector", func(s *types.ServiceConfig) { s.HealthCheck = nil }),
			want:   []finding{{"projector", compose.RuleHealthcheck}},
		},
		{
			name: "healthcheck disabled",
			mutate: edit("projector", func(s *types.ServiceConfig) {
				hc := *s.HealthCheck
				hc.Disable = true
				s.HealthCheck = &hc
			}),
			want: []finding{{"projector", compose.RuleHealthcheck}},
		},
		{
			name: "depends_on without a health condition",
			mutate: edit("gateway", func(s *types.ServiceConfig) {
				d := s.DependsOn["query"]
				d.Condition = types.ServiceConditionStarted
				s.DependsOn["query"] = d
			}),
			want: []finding{{"gateway", compose.RuleDependsOn}},
		},
		{
			name: "depends_on in list syntax (service_started)",
			yaml: [][2]string{{
				"    depends_on:\n      redis:\n        condition: service_healthy\n      command:\n        condition: service_healthy\n      query:\n        condition: service_healthy\n",
				"    depends_on: [redis, command, query]\n",
			}},
			want: []finding{{"gateway", compose.RuleDependsOn}},
		},
		{
			name: "service_healthy on a service without a healthcheck",
			mutate: func(t *testing.T, p *types.Project) {
				edit("query", func(s *types.ServiceConfig) { s.HealthCheck = nil })(t, p)
			},
			// gateway waits for query to be healthy: both are reported.
			want: []finding{{"gateway", compose.RuleDependsOn}, {"query", compose.RuleHealthcheck}},
		},
		{
			name: "unknown APP_ key",
			mutate: edit("query", func(s *types.ServiceConfig) {
				s.Environment["APP_QUERY__PROT"] = ptr("8082")
			}),
			want: []finding{{"query", compose.RuleConfigKey}},
		},
		{
			name: "APP_ key of a missing section",
			mutate: edit("gateway", func(s *types.ServiceConfig) {
				s.Environment["APP_GATEWAY_COMMAND_URL"] = ptr("http://command:8081") // one underscore: gateway_command_url
			}),
			want: []finding{{"gateway", compose.RuleConfigKey}},
		},
		{
			name:   "missing restart policy",
			mutate: edit("command", func(s *types.ServiceConfig) { s.Restart = "" }),
			want:   []finding{{"command", compose.RuleRestart}},
		},
		{
			name:   "wrong restart policy",
			mutate: edit("kafka", func(s *types.ServiceConfig) { s.Restart = types.RestartPolicyAlways }),
			want:   []finding{{"kafka", compose.RuleRestart}},
		},
		{
			name:   "one-shot job restarts",
			mutate: edit("migrate", func(s *types.ServiceConfig) { s.Restart = types.RestartPolicyUnlessStopped }),
			want:   []finding{{"migrate", compose.RuleRestart}},
		},
		{
			name: "SERVICE arg naming no service",
			mutate: edit("projector", func(s *types.ServiceConfig) {
				b := *s.Build
				b.Args = types.MappingWithEquals{"SERVICE": ptr("projektor")}
				s.Build = &b
			}),
			want: []finding{{"projector", compose.RuleBuild}},
		},
		{
			name: "SERVICE arg that is a path, not a name under services/",
			mutate: edit("query", func(s *types.ServiceConfig) {
				b := *s.Build
				b.Args = types.MappingWithEquals{"SERVICE": ptr("../pkg")}
				s.Build = &b
			}),
			want: []finding{{"query", compose.RuleBuild}},
		},
		{
			name: "SERVICE arg missing",
			mutate: edit("command", func(s *types.ServiceConfig) {
				b := *s.Build
				b.Args = nil
				s.Build = &b
			}),
			want: []finding{{"command", compose.RuleBuild}},
		},
		{
			name: "another Dockerfile",
			mutate: edit("gateway", func(s *types.ServiceConfig) {
				b := *s.Build
				b.Dockerfile = "Dockerfile"
				s.Build = &b
			}),
			want: []finding{{"gateway", compose.RuleBuild}},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := string(original)
			for _, r := range tt.yaml {
				if n := strings.Count(content, r[0]); n != 1 {
					t.Fatalf("%s: the text to replace occurs %d times, want 1:\n%s", compose.ComposeFile, n, r[0])
				}
				content = strings.Replace(content, r[0], r[1], 1)
			}
			p, err := compose.Load(t.Context(), root, filepath.Join(root, compose.ComposeFile), []byte(content), compose.ObservabilityProfile)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if tt.mutate != nil {
				tt.mutate(t, p)
			}
			problems := compose.Check(p, layout)
			got := findings(problems)
			if !sameSet(got, tt.want) {
				t.Errorf("findings = %v, want %v; problems:\n%s", got, tt.want, list(problems))
			}
		})
	}
}

func sameSet(a, b []finding) bool {
	if len(a) != len(b) {
		return false
	}
	for _, f := range a {
		if !slices.Contains(b, f) {
			return false
		}
	}
	return true
}

func list(problems []compose.Problem) string {
	var b strings.Builder
	for _, p := range problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}
