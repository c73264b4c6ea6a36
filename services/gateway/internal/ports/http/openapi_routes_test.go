package http_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/altisair/altis/pkg/apidoc"
	"github.com/altisair/altis/services/gateway/internal/proxy"
)

// documented is every method and path of the OpenAPI document.
func documented(t *testing.T) map[string][]string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	must(t, json.Unmarshal(apidoc.JSON(), &doc))
	out := map[string][]string{}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" {
				out[strings.ToUpper(m)] = append(out[strings.ToUpper(m)], p)
			}
		}
	}
	return out
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// TestEveryDocumentedRouteIsRouted: the gateway answers every documented
// method and path itself or forwards it (never its own 404 or 405).
func TestEveryDocumentedRouteIsRouted(t *testing.T) {
	h := newHarness(t, options{})
	h.srv.Ready()
	tok, _ := h.token(t)
	for method, paths := range documented(t) {
		for _, p := range paths {
			path := pathParam.ReplaceAllString(p, "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
			body := ""
			if method != http.MethodGet {
				body = "{}"
			}
			res := h.do(t, method, path, body, append(bearer(tok), "Content-Type", "application/json")...)
			if res.StatusCode >= 400 {
				t.Errorf("%s %s = %d: %s", method, p, res.StatusCode, readBody(t, res))
			}
		}
	}
}

// TestEveryRouteIsDocumented: each line of the routing table has at least
// one documented path under it with the same method.
func TestEveryRouteIsDocumented(t *testing.T) {
	docs := documented(t)
	for _, r := range proxy.Routes() {
		prefix, _, _ := strings.Cut(strings.ReplaceAll(r.Path, "*", ":"), ":")
		found := false
		for _, p := range docs[r.Method] {
			found = found || strings.HasPrefix(p, prefix)
		}
		if !found {
			t.Errorf("%s %s is routed but not in the OpenAPI document", r.Method, r.Path)
		}
	}
}
