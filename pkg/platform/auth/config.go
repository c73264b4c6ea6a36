package auth

import (
	"time"

	"github.com/altisair/altis/pkg/platform/config"
)

// maxLeeway bounds the clock skew a deployment may accept.
const maxLeeway = 5 * time.Minute

// Config is the [auth] section every service reads: the gateway issues
// tokens with it, the services verify them with it.
//
// jwt_secret (named by jwt_kid) signs and verifies. previous_jwt_secret
// (named by previous_jwt_kid) only verifies: it is the overlap of a key
// rotation, and both are empty when no rotation is under way. The keys are
// read once at start; a change takes effect when a process restarts.
type Config struct {
	JWTKeyID          string        `koanf:"jwt_kid"`
	JWTSecret         string        `koanf:"jwt_secret"`
	PreviousJWTKeyID  string        `koanf:"previous_jwt_kid"`
	PreviousJWTSecret string        `koanf:"previous_jwt_secret"`
	Issuer            string        `koanf:"issuer"`
	Audience          string        `koanf:"audience"`
	TokenTTL          time.Duration `koanf:"token_ttl"`
	Leeway            time.Duration `koanf:"leeway"`
}

// Validate names the first setting NewIssuer or NewVerifier would refuse.
func (c Config) Validate() error {
	if err := c.validateKeys(); err != nil {
		return err
	}
	switch {
	case c.Issuer == "":
		return config.Invalid("issuer", "must not be empty")
	case c.Audience == "":
		return config.Invalid("audience", "must not be empty")
	case c.TokenTTL <= 0:
		return config.Invalid("token_ttl", "must be positive")
	case c.Leeway < 0 || c.Leeway > maxLeeway:
		return config.Invalid("leeway", "must be between 0s and 5m")
	}
	return nil
}

func (c Config) validateKeys() error {
	if err := checkKeyID(c.JWTKeyID); err != nil {
		return config.Invalid("jwt_kid", "%v", err)
	}
	if len(c.JWTSecret) < MinSecretBytes {
		return config.Invalid("jwt_secret", "must be at least %d bytes", MinSecretBytes)
	}
	if c.PreviousJWTKeyID == "" && c.PreviousJWTSecret == "" {
		return nil
	}
	switch err := checkKeyID(c.PreviousJWTKeyID); {
	case err != nil:
		return config.Invalid("previous_jwt_kid", "%v (set both previous_jwt_kid and previous_jwt_secret, or neither)", err)
	case c.PreviousJWTKeyID == c.JWTKeyID:
		return config.Invalid("previous_jwt_kid", "must differ from jwt_kid")
	case len(c.PreviousJWTSecret) < MinSecretBytes:
		return config.Invalid("previous_jwt_secret", "must be at least %d bytes (set both previous_jwt_kid and previous_jwt_secret, or neither)", MinSecretBytes)
	case c.PreviousJWTSecret == c.JWTSecret:
		return config.Invalid("previous_jwt_secret", "must differ from jwt_secret")
	}
	return nil
}

// Settings converts the section for NewIssuer and NewVerifier.
func (c Config) Settings() Settings {
	s := Settings{Secret: []byte(c.JWTSecret), KeyID: c.JWTKeyID,
		Issuer: c.Issuer, Audience: c.Audience, TTL: c.TokenTTL, Leeway: c.Leeway}
	if c.PreviousJWTKeyID != "" || c.PreviousJWTSecret != "" {
		s.Previous = []Key{{ID: c.PreviousJWTKeyID, Secret: []byte(c.PreviousJWTSecret)}}
	}
	return s
}
