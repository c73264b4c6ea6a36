package bench

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
)

// BareEcho serves POST /bare: it decodes a small JSON body and answers 201
// with a small JSON body, and nothing else. It is the baseline the
// services' own rates are read against on the same machine, in the same run.
func BareEcho(ctx context.Context) (url string, wait func() error, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/bare", func(c echo.Context) error {
		var in map[string]string
		if err := c.Bind(&in); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]string{"seat_number": in["seat_number"], "status": "held"})
	})
	srv := &http.Server{Handler: e}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return "http://" + ln.Addr().String(), func() error {
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, nil
}
