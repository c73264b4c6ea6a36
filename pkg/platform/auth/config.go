package auth

import (
	"time"

	"github.com/altisair/altis/pkg/platform/config"
)

// maxLeeway bounds the clock skew a deployment may accept.
const maxLeeway = 5 * time.Minute

// Config is the [auth] section every service reads: the gateway issues
// tokens with it, the services verify them with it.
type Config struct {
	JWTSecret string        `koanf:"jwt_secret"`
	Issuer    string        `koanf:"issuer"`
	Audience  string        `koanf:"audience"`
	TokenTTL  time.Duration `koanf:"token_ttl"`
	Leeway    time.Duration `koanf:"leeway"`
}

// Validate names the first setting NewIssuer or NewVerifier would refuse.
func (c Config) Validate() error {
	switch {
	case len(c.JWTSecret) < MinSecretBytes:
		return config.Invalid("jwt_secret", "must be at least %d bytes", MinSecretBytes)
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

// Settings converts the section for NewIssuer and NewVerifier.
func (c Config) Settings() Settings {
	return Settings{Secret: []byte(c.JWTSecret), Issuer: c.Issuer, Audience: c.Audience, TTL: c.TokenTTL, Leeway: c.Leeway}
}
