package confirm

import (
	"fmt"
	"strings"
	"time"
)

// Mode is the operator's choice of who confirms a delete.
type Mode string

// The confirmation modes.
const (
	// ModeAuto asks through elicitation where the client can elicit and
	// does answer, and falls back to the token otherwise.
	ModeAuto Mode = "auto"
	// ModeElicitation asks only through elicitation; a client that cannot
	// elicit cannot delete.
	ModeElicitation Mode = "elicitation"
	// ModeToken always hands the assistant a confirmation_token.
	ModeToken Mode = "token"
	// ModeBrowser hands the assistant a link to an approval page that only
	// a person in a browser can use.
	ModeBrowser Mode = "browser"
)

// Modes lists the accepted modes, default first.
var Modes = []Mode{ModeAuto, ModeElicitation, ModeToken, ModeBrowser}

// DefaultElicitationTimeout is how long a delete waits for the client's
// answer: under the 60 s after which common clients give up on their own.
const DefaultElicitationTimeout = 45 * time.Second

// ParseMode reads a mode name; the error lists the accepted ones.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if strings.EqualFold(strings.TrimSpace(s), string(m)) {
			return m, nil
		}
	}
	names := make([]string, len(Modes))
	for i, m := range Modes {
		names[i] = string(m)
	}
	return "", fmt.Errorf("confirm mode %q is not one of %s", s, strings.Join(names, ", "))
}
