// Package config turns flags and environment variables into a validated
// Config. Flags win over the environment; secrets come only from the
// environment or files, never from argv, where any local user could read them.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/suggest"
)

// Config is everything the server needs to start.
type Config struct {
	Transport     string
	APIURL        string
	APIToken      atomicapi.Token
	Sandbox       bool
	ReadOnly      bool
	LogLevel      slog.Level
	LogFormat     string
	ConfirmSecret []byte
	ShowVersion   bool

	// Network transports (sse, http) only.
	Addr           string
	AuthToken      string
	AllowedOrigins []string // nil: the loopback default
	Stateless      bool
	// Tools, when non-empty, names the only tools to register.
	Tools []string
	// AuditLog, when set, is the file every create and delete attempt is
	// appended to, one JSON line each.
	AuditLog string

	// Upstream economy: client-side rate limit (requests/s, negative = off)
	// and cache lifetimes (0 = no cache).
	RateLimit    float64
	PlansTTL     time.Duration
	CustomersTTL time.Duration
	// APITimeout bounds one HTTP attempt to the Atomic API.
	APITimeout time.Duration

	// ConfirmMode is how deletes are confirmed; ElicitationTimeout is how
	// long a confirmation question waits for the client's answer.
	ConfirmMode        confirm.Mode
	ElicitationTimeout time.Duration
	// PublicURL, when set, is the URL at which people reach this server's
	// HTTP listener: browser approval links are made from it.
	PublicURL string
	// Store is the shared state store's URL (internal/store); empty: the
	// default of the command (memory for the server, file for call).
	Store string
	// MetricsAddr, when set, is where /metrics is served (internal/telemetry).
	MetricsAddr string
	// Team are the settings of a shared server (internal/auth).
	Team
}

// DefaultAddr keeps a fresh server off the network until someone decides
// otherwise (and sets an auth token).
const DefaultAddr = "127.0.0.1:8080"

// Transports lists the accepted --transport values.
var Transports = []string{"stdio", "sse", "http"}

// Error is a setting that stops start-up. Its text is one line naming the
// setting and the fix.
type Error struct {
	msg string
	err error // the typed cause, if any (e.g. a *TokenError)
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the typed cause, for errors.As.
func (e *Error) Unwrap() error { return e.err }

func errorf(format string, args ...any) error { return &Error{msg: fmt.Sprintf(format, args...)} }

// Invalid reports a setting found wrong after parsing (e.g. an unknown tool
// name, which only the tools package can judge) as a start-up error.
func Invalid(setting string, err error) error {
	return &Error{msg: setting + ": " + err.Error()}
}

// ErrHelp is returned when -h or --help was asked for; usage has been printed.
var ErrHelp = flag.ErrHelp

func printUsage(w io.Writer) {
	fs := newFlags()
	fs.SetOutput(w)
	fmt.Fprintf(w, "Usage: atomic-mcp [flags]\n       atomic-mcp SUBCOMMAND ... [flags]   (install, doctor, call, sandbox, ...: atomic-mcp help lists them)\n\nAn MCP server for the sub-customers of an Atom Telecom reseller account.\nThe Atomic API token comes from ATOMIC_API_TOKEN or --api-token-file.\n\nFlags:\n")
	fs.PrintDefaults()
}

// SplitArgs separates the positional arguments in args from the server's
// flags (with their values), wherever they stand: the flag set knows which
// flags take a value. Flags it cannot parse are left for Parse to report.
func SplitArgs(args []string) (positional, flags []string) {
	rest := args
	for len(rest) > 0 {
		fs := newFlags()
		if err := fs.Parse(rest); err != nil {
			return positional, append(flags, rest...)
		}
		flags = append(flags, rest[:len(rest)-fs.NArg()]...)
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	return positional, flags
}

// flagError turns the flag package's error into one line naming the fix.
func flagError(err error, fs *flag.FlagSet) error {
	const undefined = "flag provided but not defined: -"
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, undefined); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest.Closest(name, names); s != "" {
			return errorf("unknown flag --%s; did you mean --%s? (atomic-mcp --help lists the flags)", name, s)
		}
		return errorf("unknown flag --%s (atomic-mcp --help lists the flags)", name)
	}
	return &Error{msg: msg + " (see atomic-mcp --help)"}
}

// Parse reads args (without the program name) and the environment.
func Parse(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	if err := refuseSecretFlags(args); err != nil {
		return Config{}, err
	}
	fs := newFlags()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(usage)
			return Config{}, ErrHelp
		}
		return Config{}, flagError(err, fs)
	}
	if fs.NArg() > 0 {
		return Config{}, errorf("unexpected argument %q: a subcommand goes first, before the flags (e.g. atomic-mcp %s --sandbox); see atomic-mcp help", fs.Arg(0), fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var cfg Config
	for _, s := range settings {
		if err := s.parse(&cfg, s.lookup(fs, given, getenv)); err != nil {
			return Config{}, err
		}
	}
	return cfg, nil
}

// refuseSecretFlags refuses a secret given as a flag before the flag
// package can echo it in an error.
func refuseSecretFlags(args []string) error {
	for _, a := range args {
		name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		if strings.HasPrefix(a, "-") && (name == "api-token" || name == "token" || name == "auth-token" || name == "confirm-secret") {
			return errorf("--%s is not accepted: secrets on the command line are visible to every local user; set ATOMIC_API_TOKEN (or use --api-token-file) instead", name)
		}
	}
	return nil
}

func parseVersion(cfg *Config, v value) (err error) {
	cfg.ShowVersion, err = v.on()
	return err
}
