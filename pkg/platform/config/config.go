// Package config loads settings from one TOML file and APP_* environment
// overrides (APP_SERVER__PORT → server.port) and decodes them strictly.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every environment override.
const EnvPrefix = "APP_"

// Loader holds the merged settings: the file first, the environment on top.
type Loader struct {
	k *koanf.Koanf
}

// Load reads the TOML file at path and applies the APP_* variables found in
// environ (as returned by os.Environ). An override for a key that the file
// does not define is an error, so a typo never goes unnoticed.
func Load(path string, environ []string) (*Loader, error) {
	k := koanf.New(".")
	if err := k.Load(file.Provider(path), toml.Parser()); err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if err := applyEnv(k, environ); err != nil {
		return nil, err
	}
	return &Loader{k: k}, nil
}

// FromMap builds a Loader from an in-memory tree; tests use it.
func FromMap(m map[string]any) (*Loader, error) {
	k := koanf.New(".")
	for key, v := range m {
		if err := k.Set(key, v); err != nil {
			return nil, err
		}
	}
	return &Loader{k: k}, nil
}

func applyEnv(k *koanf.Koanf, environ []string) error {
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		key := EnvKey(name)
		if !k.Exists(key) {
			return fmt.Errorf("config: %s sets unknown key %q", name, key)
		}
		if err := k.Set(key, envValue(k.Get(key), value)); err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	return nil
}

// EnvKey turns APP_AUTH__JWT_SECRET into auth.jwt_secret: double
// underscores nest, single underscores stay part of the key.
func EnvKey(name string) string {
	trimmed := strings.TrimPrefix(name, EnvPrefix)
	return strings.ToLower(strings.ReplaceAll(trimmed, "__", "."))
}

// envValue splits comma-separated values for keys whose default is a list.
func envValue(current any, raw string) any {
	if current == nil || reflect.TypeOf(current).Kind() != reflect.Slice {
		return raw
	}
	parts := strings.Split(raw, ",")
	out := make([]any, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validator is implemented by sections that check their own values.
type Validator interface {
	Validate() error
}

// Section decodes the settings under key into dst. Unknown keys and values
// of the wrong type are errors naming the key; if dst is a Validator its
// Validate runs too and its error is prefixed with the key.
func (l *Loader) Section(key string, dst any) error {
	if !l.k.Exists(key) {
		return fmt.Errorf("config: missing section [%s]", key)
	}
	dc := &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
			mapstructure.TextUnmarshallerHookFunc(),
			strictScalars,
		),
		ErrorUnused: true,
		TagName:     "koanf",
		Result:      dst,
	}
	err := l.k.UnmarshalWithConf(key, dst, koanf.UnmarshalConf{Tag: "koanf", DecoderConfig: dc})
	if err != nil {
		return fmt.Errorf("config [%s]: %w", key, err)
	}
	if v, ok := dst.(Validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("config [%s]: %w", key, err)
		}
	}
	return nil
}

// Masked returns the flattened effective settings with secrets replaced, for
// logging at start.
func (l *Loader) Masked() map[string]any {
	out := map[string]any{}
	for key, v := range l.k.All() {
		out[key] = maskValue(key, v)
	}
	return out
}

// Keys lists every effective key, sorted.
func (l *Loader) Keys() []string {
	keys := l.k.Keys()
	sort.Strings(keys)
	return keys
}

// secretWords end the names of settings that hold a secret: jwt_secret,
// password, api_key, access_token. Only the last word of a name counts, so
// token_ttl and guest_tokens_per_minute are logged as they are.
var secretWords = map[string]bool{"secret": true, "password": true, "passwd": true, "token": true, "key": true, "credentials": true}

func isSecretName(name string) bool {
	name = strings.ToLower(name)
	return secretWords[name[strings.LastIndexAny(name, "._-")+1:]]
}

func maskValue(key string, v any) any {
	if isSecretName(key) {
		return "****"
	}
	switch v := v.(type) {
	case string:
		return maskURL(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValue("", e)
		}
		return out
	}
	return v
}

// maskURL hides the password in a URL such as postgres://u:p@host/db and
// query parameters that hold one (?password=…, ?sslpassword=…, ?api_key=…);
// any other string is returned as it is.
func maskURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "****" // unreadable: it may hold a password in plain sight
	}
	masked := false
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "****")
		masked = true
	}
	q := u.Query()
	for name := range q {
		if isSecretName(name) || strings.HasSuffix(strings.ToLower(name), "password") {
			q.Set(name, "****")
			masked = true
		}
	}
	if !masked {
		return s
	}
	u.RawQuery = q.Encode()
	return strings.NewReplacer("%2A", "*").Replace(u.String())
}

// FieldError reports an invalid setting; Key is relative to the section.
type FieldError struct {
	Key     string
	Message string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Message }

// Invalid builds a FieldError.
func Invalid(key, format string, args ...any) error {
	return &FieldError{Key: key, Message: fmt.Sprintf(format, args...)}
}

// Join combines the checks of one section; nil results are dropped.
func Join(errs ...error) error {
	return errors.Join(errs...)
}

// Into names a section and where to decode it.
type Into struct {
	Key string
	Dst any
}

// Sections decodes several sections in order and stops at the first error.
func (l *Loader) Sections(into ...Into) error {
	for _, s := range into {
		if err := l.Section(s.Key, s.Dst); err != nil {
			return err
		}
	}
	return nil
}
