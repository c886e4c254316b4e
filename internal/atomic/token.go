package atomic

import "log/slog"

// Token is the account's access token. Every way of printing it — fmt, slog,
// JSON — yields "[REDACTED]", so it cannot leak through a log line or an
// error by accident; only the request builder reads the raw value.
type Token struct{ value string }

// NewToken wraps a raw access token.
func NewToken(raw string) Token { return Token{value: raw} }

// IsZero reports whether no token was given.
func (t Token) IsZero() bool { return t.value == "" }

func (t Token) String() string               { return redacted }
func (t Token) GoString() string             { return redacted }
func (t Token) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (t Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (t Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

const redacted = "[REDACTED]"
