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
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
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

const tokenHelp = "copy it from the Atomic portal (" + advice.TokenPortalPath + "), or run with --sandbox"

// flagValues are the server's flags, as parsed.
type flagValues struct {
	transport, apiURL, tokenFile, logLevel, logFormat, addr, authFile, origins *string
	only, rateLimit, plansTTL, apiTimeout, custTTL, auditLog                   *string
	confirmMode, elicitationTimeout, publicURL                                 *string
	storeURL                                                                   *string
	metricsAddr                                                                *string
	oauthIssuer, oauthScopes, authKeys, rateLimitPerUser                       *string
	sandbox, readOnly, version, stateless                                      *bool
}

// newFlags declares the server's flags. Output is discarded: Parse reports
// every flag error in one line of its own.
func newFlags() (*flag.FlagSet, *flagValues) {
	fs := flag.NewFlagSet("atomic-mcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs, &flagValues{
		transport:          fs.String("transport", "", "how MCP clients connect: "+strings.Join(Transports, ", ")+" (env ATOMIC_MCP_TRANSPORT; default stdio)"),
		apiURL:             fs.String("api-url", "", "Atomic API base URL (env ATOMIC_API_URL; default "+atomicapi.DefaultBaseURL+")"),
		tokenFile:          fs.String("api-token-file", "", "read the Atomic API token from this file instead of ATOMIC_API_TOKEN"),
		sandbox:            fs.Bool("sandbox", false, "serve a built-in simulation of the Atomic API; no token needed, no real account touched (env ATOMIC_MCP_SANDBOX=1)"),
		readOnly:           fs.Bool("read-only", false, "register only the read-only tools, list_customers and list_service_plans (env ATOMIC_MCP_READ_ONLY=1)"),
		logLevel:           fs.String("log-level", "", "debug, info, warn or error (env ATOMIC_MCP_LOG_LEVEL; default info)"),
		logFormat:          fs.String("log-format", "", "text or json (env ATOMIC_MCP_LOG_FORMAT; default text)"),
		version:            fs.Bool("version", false, "print the version and exit"),
		addr:               fs.String("addr", "", "listen address for sse and http (env ATOMIC_MCP_ADDR; default "+DefaultAddr+")"),
		authFile:           fs.String("auth-token-file", "", "read the bearer token MCP clients must send (sse, http) from this file instead of ATOMIC_MCP_AUTH_TOKEN"),
		origins:            fs.String("allowed-origins", "", "comma-separated browser origins allowed to call (env ATOMIC_MCP_ALLOWED_ORIGINS; default http(s) on localhost, 127.0.0.1, [::1])"),
		stateless:          fs.Bool("stateless", false, "streamable HTTP without server sessions, for replicas behind a load balancer (env ATOMIC_MCP_STATELESS=1)"),
		only:               fs.String("tools", "", "comma-separated tools to register, e.g. list_customers,list_service_plans (env ATOMIC_MCP_TOOLS; default all)"),
		rateLimit:          fs.String("rate-limit", "", "most Atomic API requests per second, retries and pages included; negative turns the limit off (env ATOMIC_MCP_RATE_LIMIT; default 10, the provider's documented limit)"),
		plansTTL:           fs.String("plans-ttl", "", "how long service plans are cached; 0 turns the cache off (env ATOMIC_MCP_PLANS_TTL; default 5m)"),
		apiTimeout:         fs.String("api-timeout", "", "how long one Atomic API request may take before it is abandoned (and, for reads, retried) (env ATOMIC_MCP_API_TIMEOUT; default 15s; a whole call, retries included, always ends within 24s)"),
		custTTL:            fs.String("customers-ttl", "", "how long the customer list is cached; every create and delete through this server clears it; 0 turns the cache off (env ATOMIC_MCP_CUSTOMERS_TTL; default 10s)"),
		confirmMode:        fs.String("confirm-mode", "", "how deletes are confirmed: auto (ask through the client where it can and does answer, else a confirmation token), elicitation, token or browser (an approval page only a person can use) (env ATOMIC_MCP_CONFIRM_MODE; default auto)"),
		elicitationTimeout: fs.String("elicitation-timeout", "", "how long a delete waits for the client to answer its confirmation question before falling back to the confirmation token (env ATOMIC_MCP_ELICITATION_TIMEOUT; default 45s)"),
		publicURL:          fs.String("public-url", "", "the URL at which people reach this server (sse, http), e.g. https://mcp.example.com; browser approval links start with it (env ATOMIC_MCP_PUBLIC_URL; default the listen address)"),
		auditLog:           fs.String("audit-log", "", "append every create and delete attempt to this file, one JSON line each, mode 0600 (env ATOMIC_MCP_AUDIT_LOG; default off)"),
		metricsAddr:        fs.String("metrics-addr", "", "serve Prometheus metrics at http://HOST:PORT/metrics, on any transport; off by default; an address off this machine needs ATOMIC_MCP_AUTH_TOKEN, sent as a bearer token (env ATOMIC_MCP_METRICS_ADDR)"),
		oauthIssuer:        fs.String("oauth-issuer", "", "the organisation's OAuth/OpenID authorization server (sse, http): every request needs an access token it issued for --public-url (env ATOMIC_MCP_OAUTH_ISSUER)"),
		oauthScopes:        fs.String("oauth-scopes", "", "the authorization server's names for the permissions, e.g. read=api://atomic/Customers.Read,write=...,delete=... (env ATOMIC_MCP_OAUTH_SCOPES; default read=customers:read,write=customers:write,delete=customers:delete)"),
		authKeys:           fs.String("auth-keys", "", "a JSON file of per-person keys, [{\"name\", \"sha256\", \"scopes\"}], for a team without an identity provider (sse, http) (env ATOMIC_MCP_AUTH_KEYS)"),
		rateLimitPerUser:   fs.String("rate-limit-per-user", "", "most tool calls per second for each signed-in person (sse, http), so one runaway agent cannot starve the rest; 0 is no limit (env ATOMIC_MCP_RATE_LIMIT_PER_USER; default 0)"),
		storeURL:           fs.String("store", "", "shared state (spent confirmations, create leases, rate budget, cache invalidation): memory, file, file:///dir or redis[s]://[user:password@]host:port/db, one for every replica (env ATOMIC_MCP_STORE; default memory, and file for atomic-mcp call)"),
	}
}

func printUsage(w io.Writer) {
	fs, _ := newFlags()
	fs.SetOutput(w)
	fmt.Fprintf(w, "Usage: atomic-mcp [flags]\n       atomic-mcp config|doctor|tools|call ... [flags]   (atomic-mcp help)\n\nAn MCP server for the sub-customers of an Atom Telecom reseller account.\nThe Atomic API token comes from ATOMIC_API_TOKEN or --api-token-file.\n\nFlags:\n")
	fs.PrintDefaults()
}

// SplitArgs separates the positional arguments in args from the server's
// flags (with their values), wherever they stand: the flag set knows which
// flags take a value. Flags it cannot parse are left for Parse to report.
func SplitArgs(args []string) (positional, flags []string) {
	rest := args
	for len(rest) > 0 {
		fs, _ := newFlags()
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
	fs, f := newFlags()
	for _, a := range args {
		name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-")
		if strings.HasPrefix(a, "-") && (name == "api-token" || name == "token" || name == "auth-token" || name == "confirm-secret") {
			return Config{}, errorf("--%s is not accepted: secrets on the command line are visible to every local user; set ATOMIC_API_TOKEN (or use --api-token-file) instead", name)
		}
	}
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
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	cfg := Config{ShowVersion: *f.version}
	var err error
	pick := func(flagVal, env, def string) string {
		if flagVal != "" {
			return flagVal
		}
		if v := strings.TrimSpace(getenv(env)); v != "" {
			return v
		}
		return def
	}

	transport := lookup("transport", *f.transport, "ATOMIC_MCP_TRANSPORT", getenv)
	cfg.Transport = strings.ToLower(transport.or("stdio"))
	if !slices.Contains(Transports, cfg.Transport) {
		return Config{}, errorf("%s is not a supported transport: use --transport (or ATOMIC_MCP_TRANSPORT) %s", transport, strings.Join(Transports, " or "))
	}
	if cfg.Sandbox, err = boolSetting(set["sandbox"], *f.sandbox, "ATOMIC_MCP_SANDBOX", getenv); err != nil {
		return Config{}, err
	}
	if cfg.ReadOnly, err = boolSetting(set["read-only"], *f.readOnly, "ATOMIC_MCP_READ_ONLY", getenv); err != nil {
		return Config{}, err
	}
	level := lookup("log-level", *f.logLevel, "ATOMIC_MCP_LOG_LEVEL", getenv)
	if cfg.LogLevel, err = parseLevel(level.or("info")); err != nil {
		return Config{}, errorf("%s is not a log level: use debug, info, warn or error", level)
	}
	format := lookup("log-format", *f.logFormat, "ATOMIC_MCP_LOG_FORMAT", getenv)
	cfg.LogFormat = strings.ToLower(format.or("text"))
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return Config{}, errorf("%s is not a log format: use text or json", format)
	}

	apiURL := lookup("api-url", *f.apiURL, "ATOMIC_API_URL", getenv)
	cfg.APIURL = apiURL.or(atomicapi.DefaultBaseURL)
	if u, perr := url.Parse(cfg.APIURL); perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Config{}, errorf("%s is not a URL: use the API's base URL, e.g. %s", apiURL, atomicapi.DefaultBaseURL)
	}

	if secret := getenv("ATOMIC_MCP_CONFIRM_SECRET"); secret != "" {
		if len(secret) < 32 {
			return Config{}, errorf("ATOMIC_MCP_CONFIRM_SECRET is too short (%d characters): use at least 32 random characters, e.g. from `openssl rand -hex 32`", len(secret))
		}
		cfg.ConfirmSecret = []byte(secret)
	}

	if err := parseEconomy(&cfg, lookup("rate-limit", *f.rateLimit, "ATOMIC_MCP_RATE_LIMIT", getenv), lookup("plans-ttl", *f.plansTTL, "ATOMIC_MCP_PLANS_TTL", getenv), lookup("customers-ttl", *f.custTTL, "ATOMIC_MCP_CUSTOMERS_TTL", getenv)); err != nil {
		return Config{}, err
	}
	if cfg.APITimeout, err = parseTimeout(lookup("api-timeout", *f.apiTimeout, "ATOMIC_MCP_API_TIMEOUT", getenv)); err != nil {
		return Config{}, err
	}
	if err := parseNetwork(&cfg, set, *f.addr, *f.authFile, *f.origins, *f.stateless, *f.only, getenv); err != nil {
		return Config{}, err
	}
	// Whether the file can be written is checked when it is opened, at
	// start-up: see internal/audit.
	cfg.AuditLog = pick(*f.auditLog, "ATOMIC_MCP_AUDIT_LOG", "")
	if err := parseConfirm(&cfg, lookup("confirm-mode", *f.confirmMode, "ATOMIC_MCP_CONFIRM_MODE", getenv),
		lookup("elicitation-timeout", *f.elicitationTimeout, "ATOMIC_MCP_ELICITATION_TIMEOUT", getenv), lookup("public-url", *f.publicURL, "ATOMIC_MCP_PUBLIC_URL", getenv)); err != nil {
		return Config{}, err
	}
	if err := parseTeam(&cfg, lookup("oauth-issuer", *f.oauthIssuer, "ATOMIC_MCP_OAUTH_ISSUER", getenv), lookup("oauth-scopes", *f.oauthScopes, "ATOMIC_MCP_OAUTH_SCOPES", getenv),
		lookup("auth-keys", *f.authKeys, "ATOMIC_MCP_AUTH_KEYS", getenv), lookup("rate-limit-per-user", *f.rateLimitPerUser, "ATOMIC_MCP_RATE_LIMIT_PER_USER", getenv)); err != nil {
		return Config{}, err
	}
	if u, perr := url.Parse(*f.storeURL); perr == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			return Config{}, errorf("--store with a password is not accepted: the command line is visible to every local user; set ATOMIC_MCP_STORE instead")
		}
	}
	cfg.Store = pick(*f.storeURL, "ATOMIC_MCP_STORE", "")
	if err := parseMetrics(&cfg, lookup("metrics-addr", *f.metricsAddr, "ATOMIC_MCP_METRICS_ADDR", getenv)); err != nil {
		return Config{}, err
	}

	if cfg.ShowVersion || cfg.Sandbox {
		return cfg, nil // the sandbox makes its own token
	}
	raw := getenv("ATOMIC_API_TOKEN")
	if *f.tokenFile != "" {
		data, ferr := os.ReadFile(*f.tokenFile)
		if ferr != nil {
			return Config{}, errorf("--api-token-file: %v: give a readable file holding only the token", unwrapPathError(ferr))
		}
		raw = string(data)
	}
	source := "ATOMIC_API_TOKEN"
	if *f.tokenFile != "" {
		source = "--api-token-file " + *f.tokenFile
	}
	raw = strings.TrimSpace(raw)
	if err := CheckToken(raw, source); err != nil {
		return Config{}, err
	}
	cfg.APIToken = atomicapi.NewToken(raw)
	return cfg, nil
}

// setting is one value read from its flag or, failing that, its variable.
// Its String names where the value came from, for errors.
type setting struct{ value, from string }

func lookup(flagName, flagVal, env string, getenv func(string) string) setting {
	if flagVal != "" {
		return setting{flagVal, "--" + flagName}
	}
	return setting{strings.TrimSpace(getenv(env)), env}
}

func (s setting) or(def string) string {
	if s.value == "" {
		return def
	}
	return s.value
}

func (s setting) String() string {
	if strings.HasPrefix(s.from, "--") {
		return fmt.Sprintf("%s %q", s.from, s.value)
	}
	return fmt.Sprintf("%s=%q", s.from, s.value)
}

// boolSetting reads a boolean flag, falling back to its environment
// variable. An unrecognised value is an error rather than a silent "off".
func boolSetting(flagSet, flagVal bool, env string, getenv func(string) string) (bool, error) {
	if flagSet {
		return flagVal, nil
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(env))); v {
	case "":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	default:
		return false, errorf("%s=%q is not a yes/no value: use %s=1 or %s=0", env, v, env, env)
	}
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, errorf("log level %q is not supported: use --log-level debug, info, warn or error", s)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s", pe.Path, pe.Err)
	}
	return err
}

// parseNetwork reads the settings of the HTTP transports and the tool list.
func parseNetwork(cfg *Config, set map[string]bool, addr, authFile, origins string, stateless bool, only string, getenv func(string) string) error {
	pick := func(flagVal, env string) string {
		if flagVal != "" {
			return flagVal
		}
		return strings.TrimSpace(getenv(env))
	}
	cfg.Tools = splitList(pick(only, "ATOMIC_MCP_TOOLS"))
	var err error
	if cfg.Stateless, err = boolSetting(set["stateless"], stateless, "ATOMIC_MCP_STATELESS", getenv); err != nil {
		return err
	}
	if cfg.Stateless && cfg.Transport != "http" {
		return errorf("--stateless applies to streamable HTTP only: add --transport http, or drop --stateless")
	}
	if cfg.Transport == "stdio" {
		return nil
	}

	cfg.Addr = pick(addr, "ATOMIC_MCP_ADDR")
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || port == "" {
		return errorf("listen address %q is not HOST:PORT: use e.g. --addr 127.0.0.1:8080", cfg.Addr)
	}

	cfg.AuthToken = getenv("ATOMIC_MCP_AUTH_TOKEN")
	if authFile != "" {
		data, ferr := os.ReadFile(authFile)
		if ferr != nil {
			return errorf("--auth-token-file: %v: give a readable file holding only the token", unwrapPathError(ferr))
		}
		cfg.AuthToken = string(data)
	}
	cfg.AuthToken = strings.TrimSpace(cfg.AuthToken)
	if cfg.AuthToken != "" && len(cfg.AuthToken) < 16 {
		return errorf("ATOMIC_MCP_AUTH_TOKEN is too short (%d characters): use at least 16 random characters, e.g. from `openssl rand -hex 32`", len(cfg.AuthToken))
	}

	if list := pick(origins, "ATOMIC_MCP_ALLOWED_ORIGINS"); list != "" {
		cfg.AllowedOrigins = []string{}
		for _, o := range splitList(list) {
			u, perr := url.Parse(o)
			if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				return errorf("allowed origin %q is not an origin: use scheme://host[:port], e.g. https://chat.example.com", o)
			}
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, strings.TrimRight(o, "/"))
		}
	}
	return nil
}

// isLoopback reports whether a listen host stays on this machine. An empty
// host means every interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseEconomy reads the rate limit and cache lifetimes.
func parseEconomy(cfg *Config, rate, plansTTL, customersTTL setting) error {
	cfg.RateLimit = atomicapi.DefaultRateLimit
	if rate.value != "" {
		r, err := strconv.ParseFloat(rate.value, 64)
		if err != nil || r == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return errorf("%s is not a rate limit: give requests per second, e.g. --rate-limit 10, or a negative number to turn the limit off", rate)
		}
		cfg.RateLimit = r
	}
	for _, d := range []struct {
		name  string
		value setting
		def   time.Duration
		into  *time.Duration
	}{
		{"plans-ttl", plansTTL, atomicapi.DefaultPlansTTL, &cfg.PlansTTL},
		{"customers-ttl", customersTTL, atomicapi.DefaultCustomersTTL, &cfg.CustomersTTL},
	} {
		*d.into = d.def
		if d.value.value == "" {
			continue
		}
		v, err := time.ParseDuration(d.value.value)
		if err != nil || v < 0 {
			return errorf("%s is not a duration: use e.g. --%s %s, or 0 to turn the cache off", d.value, d.name, d.def)
		}
		*d.into = v
	}
	return nil
}

// parseTimeout reads the per-request timeout: positive, and no longer than
// the 24 s a whole call may take.
func parseTimeout(v setting) (time.Duration, error) {
	if v.value == "" {
		return atomicapi.DefaultRequestTimeout, nil
	}
	d, err := time.ParseDuration(v.value)
	if err != nil || d <= 0 || d > atomicapi.DefaultCallDeadline {
		return 0, errorf("%s is not a timeout: give a duration up to %s, e.g. --api-timeout 15s", v, atomicapi.DefaultCallDeadline)
	}
	return d, nil
}

// parseConfirm reads how deletes are confirmed.
func parseConfirm(cfg *Config, mode, timeout, publicURL setting) error {
	cfg.ConfirmMode = confirm.ModeAuto
	if mode.value != "" {
		m, err := confirm.ParseMode(mode.value)
		if err != nil {
			return errorf("%s is not a confirm mode: use auto, elicitation, token or browser, e.g. --confirm-mode auto", mode)
		}
		cfg.ConfirmMode = m
	}
	cfg.ElicitationTimeout = confirm.DefaultElicitationTimeout
	if timeout.value != "" {
		d, err := time.ParseDuration(timeout.value)
		if err != nil || d <= 0 || d > 10*time.Minute {
			return errorf("%s is not a timeout: give a duration up to 10m, e.g. --elicitation-timeout 45s", timeout)
		}
		cfg.ElicitationTimeout = d
	}
	if publicURL.value != "" {
		u, err := url.Parse(publicURL.value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return errorf("%s is not a URL: use the address people open, e.g. --public-url https://mcp.example.com", publicURL)
		}
		if cfg.Transport == "stdio" {
			return errorf("%s applies to --transport sse or http only: on stdio the approval page is served on 127.0.0.1; drop it", publicURL)
		}
		cfg.PublicURL = strings.TrimRight(publicURL.value, "/")
	}
	return nil
}
