package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/labstack/echo/v4"
)

// ServeBare serves POST /bare on addr until ctx ends: it decodes a small
// JSON body and answers 201 with a small JSON body, and nothing else. It
// is the baseline a service's rate is read against: the same machine, the
// same HTTP stack, a process of its own, no work.
func ServeBare(ctx context.Context, addr string) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/bare", func(c echo.Context) error {
		var in map[string]string
		if err := c.Bind(&in); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]string{"seat_number": in["seat_number"], "status": "held"})
	})
	return serveUntil(ctx, addr, e)
}

// serveUntil serves h on addr until ctx ends.
func serveUntil(ctx context.Context, addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	defer context.AfterFunc(ctx, func() { _ = srv.Close() })()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// StartBare runs `exe <flag> <addr>` (a program that calls ServeBare) as
// a child process on a free port and waits until it answers. stop ends it.
func StartBare(ctx context.Context, exe, flag string) (url string, stop func(), err error) {
	return startChild(ctx, http.MethodPost, "/bare", exe, flag)
}

// startChild runs `exe <args...> <addr>` on a free port and waits until
// method path answers there.
func startChild(ctx context.Context, method, path, exe string, args ...string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, exe, append(args, addr)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	url = "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, method, url+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return url, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("%s on %s did not answer: %w", exe, addr, err)
		}
	}
}
