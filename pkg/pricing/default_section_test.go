package pricing

import (
	"reflect"
	"testing"

	"github.com/altisair/altis/pkg/platform/config"
)

// TestShippedConfigMatchesLiteral decodes the [pricing] section of the
// shipped config/default.toml with the real loader and checks it equals
// defaultConfig(), so the literal the tests and benchmark use is the
// configuration that ships.
func TestShippedConfigMatchesLiteral(t *testing.T) {
	l, err := config.Load("../../config/default.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got Config
	if err := l.Section("pricing", &got); err != nil {
		t.Fatal(err)
	}
	if want := defaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("config/default.toml [pricing] decodes to\n%+v\nthe test literal is\n%+v", got, want)
	}
	if _, err := New(got); err != nil {
		t.Errorf("shipped default rejected: %v", err)
	}
}
