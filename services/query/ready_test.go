package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/redis"
	"github.com/altisair/altis/pkg/platform/testenv"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/pkg/readmodel"
	redisindex "github.com/altisair/altis/services/query/internal/adapters/redis"
)

// The query is not ready while the index is first built: /readyz fails
// naming "index", and passes once a current generation exists.
func TestNotReadyUntilTheIndexExists(t *testing.T) {
	url, prefix := testenv.Redis(t)
	rdb, err := redis.Open(redis.Config{URL: url, Prefix: prefix}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rdb.Close)
	keys := readmodel.NewKeys(prefix)
	srv := web.New(web.Options{Service: "query", Log: logging.Discard()})
	srv.Ready(readyChecks(rdb, redisindex.NewIndex(rdb, keys))...)
	readyz := func() (int, string) {
		rec := httptest.NewRecorder()
		srv.Echo.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code, rec.Body.String()
	}

	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, `"index"`) {
		t.Fatalf("before the index exists: %d %s, want 503 naming index", code, body)
	}
	ctx := context.Background()
	if err := rdb.Do(ctx, rdb.B().Set().Key(keys.Current()).Value("1").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("with a current generation: %d %s, want 200", code, body)
	}
}
