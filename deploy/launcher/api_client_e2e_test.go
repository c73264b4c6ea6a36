package launcher_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/altisair/altis/deploy/apicheck"
)

// exchange is one raw call through the gateway and its answer.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

// send is the raw call: body as given (nil: none), the guest's token,
// extra header pairs (name, value), and how much of it the contract must
// describe (apicheck.Strict for the happy path).
func (c *client) send(mode apicheck.Mode, method, path string, body []byte, header ...string) exchange {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		r = strings.NewReader(string(body))
	}
	// A bounded call: a probe answered with an endless stream fails.
	ctx, cancel := context.WithTimeout(apicheck.WithMode(context.Background(), mode), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, fmt.Sprintf("http://127.0.0.1:%d%s", c.gateway, path), r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.exchange(req)
}

func (c *client) exchange(req *http.Request) exchange {
	c.t.Helper()
	resp, err := gatewayHTTP(c.t).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL.Path, err)
	}
	return exchange{status: resp.StatusCode, header: resp.Header, body: raw}
}
