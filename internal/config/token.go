package config

import (
	"fmt"
	"strings"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

const tokenHelp = "copy it from the Atomic portal (" + advice.TokenPortalPath + "), or run with --sandbox"

// TokenPlaceholder is what `atomic-mcp config` and `atomic-mcp install`
// write where the token goes when they are not given one.
const TokenPlaceholder = "paste-your-atomic-api-token-here"

// parseAPIToken reads the Atomic API token, which --version and the
// sandbox do without.
func parseAPIToken(cfg *Config, v value) error {
	if cfg.ShowVersion || cfg.Sandbox {
		return nil
	}
	raw, source, err := v.secret()
	if err != nil {
		return err
	}
	if err := CheckToken(raw, source); err != nil {
		return err
	}
	cfg.APIToken = atomicapi.NewToken(raw)
	return nil
}

// TokenError is an API token that cannot be one. Doctor reports its parts
// as a problem and its fix; at start-up it is one line.
type TokenError struct {
	// Source is where the value came from: ATOMIC_API_TOKEN or
	// --api-token-file FILE.
	Source string
	// Cause says what is wrong with the value, never the value itself.
	Cause string
	// Fix says what to do about it.
	Fix string
}

func (e *TokenError) Error() string { return e.Source + " " + e.Cause + ": " + e.Fix }

// tokenFix is the fix for a token a client mangled: the value must reach
// the server as plain text.
const tokenFix = "put the token itself in the client's configuration, or keep it in a file and pass --api-token-file FILE (atomic-mcp install CLIENT writes either)"

// CheckToken refuses a token (already trimmed) that cannot be one, naming
// its source, the cause and the fix. Start-up, doctor and install all use
// it, so a value a client mangled is caught before anything reaches the
// API. The error is a *Error wrapping a *TokenError.
func CheckToken(raw, source string) error {
	var cause, fix string
	switch {
	case raw == "" && strings.HasPrefix(source, "--"):
		cause, fix = "is empty", tokenHelp
	case raw == "":
		cause, fix = "is not set", tokenHelp
	case raw == TokenPlaceholder:
		cause = fmt.Sprintf("is still the placeholder %q that atomic-mcp config and install write", TokenPlaceholder)
		fix = "replace it with your token (" + tokenHelp + "), or run atomic-mcp install CLIENT again with ATOMIC_API_TOKEN set"
	case strings.HasPrefix(raw, "__encrypted__:"):
		cause = "holds an encrypted value (__encrypted__:…), not the token: the client passed its stored ciphertext (a known Claude Desktop bug on Windows, anthropics/claude-code#78296)"
		fix = tokenFix
	case strings.Contains(raw, "${"):
		cause = fmt.Sprintf("holds an unsubstituted variable (%s): the client did not replace ${…} (a known bundle bug, modelcontextprotocol/mcpb#251)", unsubstituted(raw))
		fix = tokenFix
	case len(raw) > 7 && strings.EqualFold(raw[:7], "bearer "):
		cause, fix = `starts with "Bearer "`, "give the token alone, without the Bearer prefix: the server adds it"
	case strings.ContainsAny(raw, " \t\r\n"):
		cause, fix = "contains whitespace", "it must be the token alone, exactly as the Atomic portal shows it"
	default:
		return nil
	}
	te := &TokenError{Source: source, Cause: cause, Fix: fix}
	return &Error{msg: te.Error(), err: te}
}

// unsubstituted returns the first ${…} in s, which names no secret.
func unsubstituted(s string) string {
	i := strings.Index(s, "${")
	if j := strings.IndexByte(s[i:], '}'); j >= 0 {
		return s[i : i+j+1]
	}
	return "${"
}
