package payment_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/altisair/altis/services/command/internal/domain/payment"
)

func TestParseToken(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"test token", "tok_visa", true},
		{"one character", "x", true},
		{"every printable but space", "!\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~", true},
		{"255 characters", strings.Repeat("a", 255), true},
		{"empty", "", false},
		{"256 characters", strings.Repeat("a", 256), false},
		{"inner space", "tok visa", false},
		{"leading space", " tok_visa", false},
		{"tab", "tok\tvisa", false},
		{"newline", "tok_visa\n", false},
		{"DEL", "tok\x7f", false},
		{"NUL", "tok\x00", false},
		{"non-ASCII", "tok_vísa", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := payment.ParseToken(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("ParseToken(%q): err %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil {
				if tt.in != "" && strings.Contains(err.Error(), tt.in) {
					t.Errorf("error %q repeats the token", err)
				}
				if !tok.IsZero() {
					t.Error("a refused token is not zero")
				}
				return
			}
			if tok.Reveal() != tt.in || tok.IsZero() {
				t.Errorf("Reveal() = %q, want %q", tok.Reveal(), tt.in)
			}
		})
	}
}

func TestZeroTokenRevealsNothing(t *testing.T) {
	var tok payment.Token
	if !tok.IsZero() || tok.Reveal() != "" || tok.String() != "[redacted]" {
		t.Fatalf("zero token: IsZero %v, Reveal %q, String %q", tok.IsZero(), tok.Reveal(), tok.String())
	}
}

// secret is long and unusual enough that finding it anywhere is a leak.
const secret = "tok_sEcReT_4242424242424242"

// holder carries a Token the ways code might: exported, unexported, by
// pointer and in a slice.
type holder struct {
	Email  string
	Token  payment.Token
	hidden payment.Token
	Ptr    *payment.Token
	All    []payment.Token
}

func TestTokenNeverPrintsItself(t *testing.T) {
	tok, err := payment.ParseToken(secret)
	if err != nil {
		t.Fatal(err)
	}
	h := holder{Email: "a@example.com", Token: tok, hidden: tok, Ptr: &tok, All: []payment.Token{tok}}
	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outputs["token "+verb] = fmt.Sprintf(verb, tok)
		outputs["pointer "+verb] = fmt.Sprintf(verb, &tok)
		outputs["struct "+verb] = fmt.Sprintf(verb, h)
		outputs["struct pointer "+verb] = fmt.Sprintf(verb, &h)
	}
	outputs["Sprint"] = fmt.Sprint(tok, h)
	outputs["Sprintln"] = fmt.Sprintln(tok, h)
	outputs["Errorf"] = fmt.Errorf("charge with %v: %w", tok, errors.New("x")).Error()
	for name, log := range map[string]func(*bytes.Buffer) *slog.Logger{
		"slog json": func(b *bytes.Buffer) *slog.Logger { return slog.New(slog.NewJSONHandler(b, nil)) },
		"slog text": func(b *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) },
	} {
		var buf bytes.Buffer
		l := log(&buf)
		l.Info("paying", "token", tok, "ptr", &tok, "holder", h, slog.Any("any", tok), slog.Group("g", "token", tok))
		l.With("token", tok).Info("with")
		outputs[name] = buf.String()
	}
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json struct"] = string(js)
	js, err = json.Marshal(map[string]any{"token": tok, "tokens": []payment.Token{tok}})
	if err != nil {
		t.Fatal(err)
	}
	outputs["json map"] = string(js)
	for name, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(out, "sEcReT") ||
			strings.Contains(out, fmt.Sprintf("%x", secret)) || strings.Contains(out, fmt.Sprintf("%X", secret)) {
			t.Errorf("%s leaks the token: %s", name, out)
		}
	}
	for _, name := range []string{"token %v", "token %s", "token %+v", "slog json", "slog text", "json struct"} {
		if !strings.Contains(outputs[name], "[redacted]") {
			t.Errorf("%s does not say [redacted]: %s", name, outputs[name])
		}
	}
	if want := `"Token":"[redacted]"`; !strings.Contains(outputs["json struct"], want) {
		t.Errorf("json %s, want it to contain %s", outputs["json struct"], want)
	}
}

func TestErrorsAreDistinct(t *testing.T) {
	declined := fmt.Errorf("%w: insufficient funds", payment.ErrDeclined)
	if !errors.Is(declined, payment.ErrDeclined) || errors.Is(declined, payment.ErrProvider) {
		t.Fatal("a wrapped decline must match ErrDeclined only")
	}
}
