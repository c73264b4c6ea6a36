package http_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkSearchHandler is the query service's own cost of one search
// (routing, decoding, validation, pricing three passenger types for each
// flight, encoding), over an in-memory index: the Redis round trip is
// measured by the load benchmark instead.
func BenchmarkSearchHandler(b *testing.B) {
	s := newServer(b, standardIndex(), now)
	body := searchBody(1, "JFK LHR 2026-12-10")
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/flights/search", strings.NewReader(body))
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
