package web_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/altisair/altis/pkg/platform/web"
)

// started serves s on a free port with c until the test ends; it returns
// the base URL, the stop function and a function that waits for Serve's
// result.
func started(t *testing.T, s *web.Server, c web.Config) (base string, stop context.CancelFunc, wait func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var serveErr error
	go func() {
		defer close(done)
		serveErr = s.ServeListener(ctx, ln, c)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String(), cancel, func() error {
		<-done
		return serveErr
	}
}

func fastConfig() web.Config {
	c := validConfig()
	c.ShutdownTimeout = 5 * time.Second
	return c
}

func TestSlowHeadersAreCut(t *testing.T) {
	s, _ := newLogged(web.Options{})
	c := fastConfig()
	c.ReadHeaderTimeout = 200 * time.Millisecond
	base, _, _ := started(t, s, c)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	// The server must end the connection long before the client gives up.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("a connection that never finished its headers was kept open")
	}
}

// TestAStreamOutlivesTheServerTimeouts: an answer held open with KeepOpen
// keeps going past WriteTimeout and ReadTimeout; a plain slow answer is cut.
func TestAStreamOutlivesTheServerTimeouts(t *testing.T) {
	s, _ := newLogged(web.Options{})
	const frames = 12
	tick := 50 * time.Millisecond
	write := func(keepOpen bool) echo.HandlerFunc {
		return func(c echo.Context) error {
			if keepOpen {
				if err := web.KeepOpen(c.Response()); err != nil {
					return err
				}
			}
			c.Response().WriteHeader(http.StatusOK)
			rc := http.NewResponseController(c.Response())
			for i := range frames {
				if c.Request().Context().Err() != nil {
					return nil // what a stream does when its request is cancelled
				}
				if _, err := fmt.Fprintf(c.Response(), "data: %d\n\n", i); err != nil {
					return nil
				}
				if rc.Flush() != nil {
					return nil
				}
				time.Sleep(tick) // the stream's pace, not a wait for state
			}
			return nil
		}
	}
	s.Echo.GET("/stream", write(true))
	s.Echo.GET("/slow", write(false))
	c := fastConfig()
	c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout = 100*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	base, _, _ := started(t, s, c)
	count := func(path string) int {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n := 0
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				n++
			}
		}
		return n
	}
	if n := count("/stream"); n != frames {
		t.Fatalf("the stream got %d of %d frames", n, frames)
	}
	if n := count("/slow"); n >= frames {
		t.Fatalf("a plain answer outlived WriteTimeout (%d frames)", n)
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0 // refused: the listener is closed
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestStopDrainsInOrder: on stop /readyz turns 503 while the listener
// still accepts; then the stream is ended through OnShutdown with a retry
// hint, the request in flight still finishes, and Serve returns nil within
// shutdown_timeout.
func TestStopDrainsInOrder(t *testing.T) {
	s, logs := newLogged(web.Options{Info: []any{"upstream", "http://q:8082"}})
	s.Ready()
	entered, release := make(chan struct{}), make(chan struct{})
	s.Echo.GET("/slow", func(c echo.Context) error {
		close(entered)
		<-release
		return c.String(http.StatusOK, "finished")
	})
	ending := make(chan struct{})
	s.OnShutdown(func() { close(ending) })
	s.Echo.GET("/stream", func(c echo.Context) error {
		c.Response().WriteHeader(http.StatusOK)
		_, _ = io.WriteString(c.Response(), "retry: 2000\n\n")
		c.Response().Flush()
		<-ending
		_, _ = io.WriteString(c.Response(), "retry: 1000\n\n")
		return nil
	})
	c := fastConfig()
	c.DrainDelay = 2 * time.Second
	base, stop, done := started(t, s, c)
	if got := status(t, base+"/readyz"); got != 200 {
		t.Fatalf("readyz before the stop: %d", got)
	}
	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- string(b)
	}()
	<-entered
	stream, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	lines := bufio.NewReader(stream.Body)
	if l, _ := lines.ReadString('\n'); l != "retry: 2000\n" {
		t.Fatalf("stream starts with %q", l)
	}

	stopped := time.Now()
	stop()
	for deadline := time.Now().Add(c.DrainDelay); status(t, base+"/readyz") != 503; {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never answered 503 while the listener was open")
		}
	}
	rest, err := io.ReadAll(lines) // ends at EOF once the stream handler returns
	if err != nil || string(rest) != "\nretry: 1000\n\n" {
		t.Fatalf("the stream ended with %q, %v; want a retry hint and EOF", rest, err)
	}
	select {
	case <-s.Stopping():
	default:
		t.Fatal("Stopping is open after the listener closed")
	}
	close(release)
	if got := <-slow; got != "finished" {
		t.Fatalf("the request in flight got %q", got)
	}
	if err := done(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(stopped); took > c.ShutdownTimeout {
		t.Fatalf("the stop took %s, more than shutdown_timeout %s", took, c.ShutdownTimeout)
	}
	host := strings.TrimPrefix(base, "http://")
	if n := strings.Count(logs.String(), `"msg":"serving"`); n != 1 ||
		!strings.Contains(logs.String(), `"addr":"`+host+`","version":`) || !strings.Contains(logs.String(), `"upstream":"http://q:8082"`) {
		t.Fatalf("want one serving line with the address and the info; log:\n%s", logs.String())
	}
}

// TestStopCutsWhatOutlivesTheTimeout: a request that never ends does not
// hold the process past shutdown_timeout.
func TestStopCutsWhatOutlivesTheTimeout(t *testing.T) {
	s, _ := newLogged(web.Options{})
	entered, never := make(chan struct{}), make(chan struct{})
	defer close(never)
	s.Echo.GET("/forever", func(c echo.Context) error {
		close(entered)
		<-never // ignores its context, as a buggy handler would
		return nil
	})
	c := fastConfig()
	c.ShutdownTimeout = 300 * time.Millisecond
	base, stop, done := started(t, s, c)
	go func() {
		if resp, err := http.Get(base + "/forever"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	stopped := time.Now()
	stop()
	if err := done(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(stopped); took > c.ShutdownTimeout+time.Second {
		t.Fatalf("Serve returned %s after the stop, shutdown_timeout is %s", took, c.ShutdownTimeout)
	}
}
