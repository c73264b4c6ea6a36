package auth_test

import (
	"testing"

	"github.com/altisair/altis/pkg/platform/auth"
	"github.com/altisair/altis/pkg/platform/config"
)

// The shipped [auth] section takes a rotation from the environment, and
// the start log shows the key ids but never a secret.
func TestRotationFromTheEnvironment(t *testing.T) {
	const previous = "the-previous-secret-0123456789abcdef"
	l, err := config.Load("../../../config/default.toml", []string{
		"APP_AUTH__JWT_KID=k2", "APP_AUTH__JWT_SECRET=the-current-secret-0123456789abcdef",
		"APP_AUTH__PREVIOUS_JWT_KID=k1", "APP_AUTH__PREVIOUS_JWT_SECRET=" + previous,
	})
	if err != nil {
		t.Fatal(err)
	}
	var c auth.Config
	if err := l.Section("auth", &c); err != nil {
		t.Fatal(err)
	}
	s := c.Settings()
	if s.KeyID != "k2" || len(s.Previous) != 1 || s.Previous[0].ID != "k1" || string(s.Previous[0].Secret) != previous {
		t.Fatalf("settings %q, previous %+v", s.KeyID, s.Previous)
	}
	logged := l.Masked()
	for key, want := range map[string]any{
		"auth.jwt_kid": "k2", "auth.previous_jwt_kid": "k1",
		"auth.jwt_secret": "****", "auth.previous_jwt_secret": "****",
	} {
		if logged[key] != want {
			t.Errorf("%s logged as %v, want %v", key, logged[key], want)
		}
	}
}

// The shipped defaults hold no rotation.
func TestShippedAuthHasNoPreviousKey(t *testing.T) {
	l, err := config.Load("../../../config/default.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var c auth.Config
	if err := l.Section("auth", &c); err != nil {
		t.Fatal(err)
	}
	if s := c.Settings(); s.KeyID != "k1" || s.Previous != nil {
		t.Fatalf("shipped settings: kid %q, previous %+v", s.KeyID, s.Previous)
	}
}
