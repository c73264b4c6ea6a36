package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/logging"
	"github.com/altisair/altis/pkg/platform/web"
	"github.com/altisair/altis/services/query/internal/app"
	"github.com/altisair/altis/services/query/internal/ports/sse"
)

// idleFeed delivers nothing until ctx ends.
type idleFeed struct{}

func (idleFeed) Run(ctx context.Context, _ func(app.SeatChange), subscribed func()) error {
	subscribed()
	<-ctx.Done()
	return ctx.Err()
}

// TestStreamsOutliveTheDrainDelay: after the signal, /readyz answers 503
// while a stream stays open; when the listener closes, the hub stops and
// the stream ends, and the service returns.
func TestStreamsOutliveTheDrainDelay(t *testing.T) {
	srv := web.New(web.Options{Service: "query", Log: logging.Discard()})
	srv.Ready()
	hub, err := sse.NewHub(sse.Config{Buffer: 4, MaxPerGuest: 4, MaxConnections: 4}, srv.Registry, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	srv.Echo.GET("/stream", func(c echo.Context) error {
		w := sse.Start(c.Response(), 2*time.Second)
		_ = w.Flush()
		<-hub.Done()
		w.Retry(time.Second)
		return w.Flush()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := web.Config{Host: "127.0.0.1", Port: port, ShutdownTimeout: 10 * time.Second, DrainDelay: 2 * time.Second,
		ReadHeaderTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, IdleTimeout: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serveWithStreams(ctx, srv, c, hub, idleFeed{}) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	var stream *http.Response
	for deadline := time.Now().Add(5 * time.Second); ; {
		if stream, err = http.Get(base + "/stream"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query did not serve: %v", err)
		}
	}
	defer stream.Body.Close()
	first := make([]byte, len("retry: 2000\n\n"))
	if _, err := io.ReadFull(stream.Body, first); err != nil {
		t.Fatal(err)
	}
	cancel()
	for deadline := time.Now().Add(c.DrainDelay); ; {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not answer 503 during the drain delay")
		}
	}
	select {
	case <-hub.Done():
		t.Fatal("the hub stopped while /readyz was draining: streams ended before the listener closed")
	default:
	}
	rest, err := io.ReadAll(stream.Body)
	if err != nil || string(rest) != "retry: 1000\n\n" {
		t.Fatalf("the stream ended with %q, %v", rest, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
