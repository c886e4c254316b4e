// Package advice holds what people are told to do about a failure: the
// settings to check and where the Atomic portal keeps the token. The API
// client reports causes only; the places that render errors for people —
// tool results, resource reads, the CLI — add the advice from here, so
// each direction is written once.
package advice

import (
	"errors"
	"net"
	"strings"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// TokenPortalPath is where the Atomic portal shows the API token.
const TokenPortalPath = "Account Settings > General Settings > Profile Settings"

// CopyToken is the fix for a missing or rejected token.
const CopyToken = "copy a current token from the Atomic portal (" + TokenPortalPath + ")"

// Explain is err's text for a person: an Atomic API error gets the fix for
// its cause after its summary, and loses the operation name when it is the
// whole error (the caller says what it was doing). Other errors keep their
// own text.
func Explain(err error) string {
	var e *atomicapi.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	text := e.Summary()
	if fix := Fix(e); fix != "" {
		text += ": " + fix
	}
	text += e.Detail()
	if error(e) == err {
		return text
	}
	// Wrapped: keep the wrapping context around the explained part.
	return strings.Replace(err.Error(), e.Error(), e.Op+": "+text, 1)
}

// Fix says what to do about e, naming the setting to check; "" when only
// the API's own words can say.
func Fix(e *atomicapi.Error) string {
	var dns *net.DNSError
	switch {
	case errors.Is(e, atomicapi.ErrUnauthorized):
		return "check ATOMIC_API_TOKEN; " + CopyToken
	case errors.As(e, &dns):
		// Waiting will not make a wrong host name resolve.
		return "the API's host name did not resolve: check ATOMIC_API_URL and the network (DNS, proxy)"
	case errors.Is(e, atomicapi.ErrUnavailable):
		return "try again shortly; if it persists, check ATOMIC_API_URL and the network"
	case errors.Is(e, atomicapi.ErrMalformed):
		return "check that ATOMIC_API_URL points at the Atomic API"
	case e.Status >= 300 && e.Status < 400:
		return "check ATOMIC_API_URL (https, exact host)"
	}
	return ""
}
