package atomicapi

import (
	"log/slog"
)

// Token is the account's access token. Every way of printing it — fmt, slog,
// JSON, or a struct that holds it — yields "[REDACTED]" or a pointer, so it
// cannot leak through a log line or an error by accident; only the request
// builder reads the raw value.
type Token struct {
	// A pointer, because fmt prints unexported fields of an enclosing struct
	// without calling String: a plain string here would show in %+v.
	value *string
}

// NewToken wraps a raw access token.
func NewToken(raw string) Token { return Token{value: &raw} }

// IsZero reports whether no token was given.
func (t Token) IsZero() bool { return t.reveal() == "" }

func (t Token) reveal() string {
	if t.value == nil {
		return ""
	}
	return *t.value
}

func (t Token) String() string               { return redacted }
func (t Token) GoString() string             { return redacted }
func (t Token) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (t Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (t Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

const redacted = "[REDACTED]"
