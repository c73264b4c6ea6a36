package compose_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/altisair/altis/deploy/compose"
	"github.com/altisair/altis/pkg/platform/config"
)

// Files of the observability profile, relative to the repository root.
var (
	prometheusConfig = filepath.Join("deploy", "observability", "prometheus.yml")
	grafanaDashboard = filepath.Join("deploy", "observability", "grafana", "dashboards", "altis.json")
	grafanaSource    = filepath.Join("deploy", "observability", "grafana", "provisioning", "datasources", "prometheus.yml")
)

// metricsPorts names, for each service of the fleet, the config key of the
// port its /metrics is served on.
var metricsPorts = map[string]string{
	"gateway":   "gateway.admin_port", // kept off the public listener
	"command":   "command.port",
	"query":     "query.port",
	"projector": "projector.port",
}

type scrapeConfig struct {
	JobName       string `yaml:"job_name"`
	StaticConfigs []struct {
		Targets []string `yaml:"targets"`
	} `yaml:"static_configs"`
	DNSSDConfigs []struct {
		Names []string `yaml:"names"`
		Type  string   `yaml:"type"`
		Port  int      `yaml:"port"`
	} `yaml:"dns_sd_configs"`
}

// targets lists every host:port a scrape config names.
func (s scrapeConfig) targets() []string {
	var out []string
	for _, sc := range s.StaticConfigs {
		out = append(out, sc.Targets...)
	}
	for _, d := range s.DNSSDConfigs {
		for _, n := range d.Names {
			out = append(out, fmt.Sprintf("%s:%d", n, d.Port))
		}
	}
	return out
}

// Prometheus's configuration exists, is the file the compose service
// mounts, and scrapes every service of the fleet on the port that serves
// its /metrics by the shipped configuration.
func TestPrometheusScrapesEveryService(t *testing.T) {
	root := repoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, prometheusConfig))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []scrapeConfig `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", prometheusConfig, err)
	}
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		targets = append(targets, sc.targets()...)
	}
	l, err := config.Load(filepath.Join(root, "config", "default.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	settings := l.Masked()
	p := load(t, root, compose.ObservabilityProfile)
	for service, key := range metricsPorts {
		if _, ok := p.Services[service]; !ok {
			t.Errorf("%s is not a compose service", service)
		}
		want := fmt.Sprintf("%s:%v", service, settings[key])
		if !slices.Contains(targets, want) {
			t.Errorf("%s scrapes %v; want %s (%s)", prometheusConfig, targets, want, key)
		}
	}
	mounted := false
	for _, v := range p.Services["prometheus"].Volumes {
		if v.Source == filepath.Join(root, prometheusConfig) && v.Target == "/etc/prometheus/prometheus.yml" {
			mounted = true
		}
	}
	if !mounted || !slices.Contains(p.Services["prometheus"].Command, "--config.file=/etc/prometheus/prometheus.yml") {
		t.Errorf("the prometheus service does not run with %s", prometheusConfig)
	}
}

type dashboard struct {
	Panels []panel `json:"panels"`
}

type panel struct {
	Title      string     `json:"title"`
	Type       string     `json:"type"`
	Datasource datasource `json:"datasource"`
	Targets    []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a row's panels
}

type datasource struct {
	UID string `json:"uid"`
}

// Metrics the dashboard must show: request rate and latency, seat holds,
// commits, the outbox, projector lag and open SSE streams.
var dashboardMetrics = []string{
	"http_request_duration_seconds", "command_seat_holds_total", "command_commits_total",
	"outbox_backlog_rows", "outbox_dead_letters_total", "projector_event_lag_seconds", "projector_partition_lag_records",
	"projector_dead_letters_total", "projector_index_rebuilds_total", "query_streams_open", "gateway_upstream_ejected",
}

// The dashboard parses, every panel queries the provisioned datasource,
// and every metric a panel names is one the Go code registers: a panel
// naming a metric nobody exports fails here.
func TestDashboardNamesOnlyExportedMetrics(t *testing.T) {
	root := repoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, grafanaDashboard))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", grafanaDashboard, err)
	}
	uid := provisionedDatasource(t, root)
	exported := metricLiterals(t, root)
	shown := map[string]bool{}
	panels := flatten(d.Panels)
	if len(panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	for _, p := range panels {
		if p.Datasource.UID != uid {
			t.Errorf("panel %q queries datasource %q, want %q", p.Title, p.Datasource.UID, uid)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			names := metricNames(target.Expr)
			if len(names) == 0 {
				t.Errorf("panel %q: no metric in %q", p.Title, target.Expr)
			}
			for _, n := range names {
				base := exportedName(n, exported)
				if base == "" {
					t.Errorf("panel %q names %s, which no Go source registers", p.Title, n)
				}
				shown[base] = true
			}
		}
	}
	for _, m := range dashboardMetrics {
		if !shown[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum by (service) (rate(http_request_duration_seconds_count{status=~"5.."}[5m]))`:      {"http_request_duration_seconds_count"},
		`histogram_quantile(0.99, sum by (le) (rate(projector_event_lag_seconds_bucket[5m])))`: {"projector_event_lag_seconds_bucket"},
		`max(outbox_backlog_rows) / ignoring (job) sum without (instance) (up) * 1e3`:          {"outbox_backlog_rows", "up"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %v, want %v", expr, got, want)
		}
	}
}

func flatten(panels []panel) []panel {
	var out []panel
	for _, p := range panels {
		if p.Type == "row" {
			out = append(out, flatten(p.Panels)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

func provisionedDatasource(t *testing.T, root string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, grafanaSource))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", grafanaSource, err)
	}
	if len(cfg.Datasources) != 1 || cfg.Datasources[0].Type != "prometheus" || cfg.Datasources[0].URL != "http://prometheus:9090" {
		t.Fatalf("%s: want one prometheus datasource at http://prometheus:9090, got %+v", grafanaSource, cfg.Datasources)
	}
	return cfg.Datasources[0].UID
}

var (
	// Parts of PromQL that hold no metric name: label matchers, ranges,
	// strings, and the label lists of by/without/on/ignoring/group_*.
	promNoise    = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]|"[^"]*"|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promWord     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = []string{"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan"}
)

// metricNames lists the metric names a PromQL expression selects: its
// identifiers that are neither function calls nor keywords.
func metricNames(expr string) []string {
	expr = promNoise.ReplaceAllString(expr, " ")
	var out []string
	for _, at := range promWord.FindAllStringIndex(expr, -1) {
		name := expr[at[0]:at[1]]
		inNumber := at[0] > 0 && strings.ContainsAny(expr[at[0]-1:at[0]], "0123456789.") // 1e3
		call := strings.HasPrefix(strings.TrimLeft(expr[at[1]:], " \t\n"), "(")
		if inNumber || call || slices.Contains(promKeywords, strings.ToLower(name)) || slices.Contains(out, name) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// exportedName returns the registered metric a series name belongs to (a
// histogram's _bucket, _sum and _count series belong to the histogram), or
// "" when no Go source registers it.
func exportedName(series string, exported map[string]bool) string {
	if exported[series] {
		return series
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(series, suffix); ok && exported[base] {
			return base
		}
	}
	return ""
}

var goString = regexp.MustCompile(`"([a-z_:][a-z0-9_:]*)"`)

// metricLiterals collects the string literals of the repository's
// non-test Go sources that look like metric names: every metric Altis
// registers is named by one.
func metricLiterals(t *testing.T, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (strings.HasPrefix(e.Name(), ".") && path != root || e.Name() == "testdata") {
			return filepath.SkipDir
		}
		if e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range goString.FindAllSubmatch(src, -1) {
			out[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
