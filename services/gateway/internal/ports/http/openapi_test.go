package http_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/altisair/altis/pkg/apidoc"
)

// TestOpenAPIServed: the document is public (no token), exactly the
// embedded one, cacheable, and a matching If-None-Match is a 304.
func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t, options{})
	res := h.do(t, http.MethodGet, "/openapi.json", "")
	body, err := io.ReadAll(res.Body)
	must(t, err)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, apidoc.JSON()) {
		t.Fatalf("GET /openapi.json = %d with %d bytes, want 200 and the document", res.StatusCode, len(body))
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control %q", cc)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again := h.do(t, http.MethodGet, "/openapi.json", "", "If-None-Match", etag)
	if again.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match = %d, want 304", again.StatusCode)
	}
}
