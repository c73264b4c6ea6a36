package http_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestAStreamEndsWithARetryHintWhenTheGatewayStops: the upstream keeps
// the stream open; when the gateway stops, its client gets "retry:" and
// the end of the stream, and the upstream request is cancelled.
func TestAStreamEndsWithARetryHintWhenTheGatewayStops(t *testing.T) {
	stopping, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := newHarness(t, options{stopping: stopping, query: sseUpstream(release, 0)})
	tok, _ := h.token(t)
	// The deadline only fails a gateway that never ends the stream.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.url+streamPath("f1"), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	for {
		l, err := r.ReadString('\n')
		must(t, err)
		if l == "\n" {
			break // the first event is through
		}
	}
	close(stopping)
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "retry: 1000\n\n" {
		t.Fatalf("after the stop the stream sent %q, %v; want a retry hint and its end", rest, err)
	}
}
