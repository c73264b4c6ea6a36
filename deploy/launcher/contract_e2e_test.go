package launcher_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/altisair/altis/deploy/apicheck"
)

// loadContract builds, once, the validator every call through the gateway
// goes through (pkg/apidoc's OpenAPI document).
var loadContract = sync.OnceValues(func() (*apicheck.Validator, error) {
	doc, err := apicheck.Load()
	if err != nil {
		return nil, err
	}
	return apicheck.New(doc)
})

var (
	gatewayOnce   sync.Once
	gatewayClient *http.Client
)

// contract is the shared validator; the test fails if the document does
// not load.
func contract(t *testing.T) *apicheck.Validator {
	t.Helper()
	v, err := loadContract()
	if err != nil {
		t.Fatalf("the API contract: %v", err)
	}
	return v
}

// gatewayHTTP is the HTTP client for every call through the gateway: each
// request and answer is checked against the contract, and checkContract
// fails the test on any violation.
func gatewayHTTP(t *testing.T) *http.Client {
	t.Helper()
	v := contract(t)
	gatewayOnce.Do(func() { gatewayClient = &http.Client{Transport: v.Transport(http.DefaultTransport)} })
	return gatewayClient
}

// checkContract fails t for every exchange since the last check that the
// document does not describe.
func checkContract(t *testing.T) {
	t.Helper()
	violations, checked := contract(t).Violations()
	for _, v := range violations {
		t.Errorf("contract violation: %s", v)
	}
	if checked > 0 {
		t.Logf("%d exchanges checked against the API contract, %d violations", checked, len(violations))
	}
}
