package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
)

// setting is one thing a person can configure, declared once: the flag set,
// --help, the environment lookup and the errors that name where a value
// came from are all made from it.
type setting struct {
	// flag is the flag's name without dashes; "" for a setting only the
	// environment carries (a secret that must not reach argv).
	flag string
	// env is the environment variable; "" for a flag alone.
	env string
	// isBool makes the flag a switch (--sandbox) and the variable a yes/no.
	isBool bool
	// file makes the flag name a file that holds the value the variable
	// holds itself (a secret: only its path is on the command line). The
	// parse func reads it with value.secret, so a setting that does not
	// apply never touches the file.
	file bool
	// help says what the setting does, for --help.
	help string
	// def is the value an unset setting takes: parse receives it as if it
	// had been given, and --help shows it.
	def string
	// defNote follows def in --help: a remark on it, or, without def, the
	// words for a default that is not a value ("all", "off").
	defNote string
	// parse checks the value and writes it into cfg. It may read what the
	// settings before it in the table wrote.
	parse func(cfg *Config, v value) error
}

// settings are every flag and variable, in the order Parse reads them: a
// setting that depends on another (public URL on the transport, the
// listener's authentication on the auth settings) comes after it.
var settings = []setting{
	{flag: "version", isBool: true, help: "print the version and exit", parse: parseVersion},
	{flag: "transport", env: "ATOMIC_MCP_TRANSPORT", def: "stdio", parse: parseTransport,
		help: "how MCP clients connect: " + strings.Join(Transports, ", ")},
	{flag: "sandbox", env: "ATOMIC_MCP_SANDBOX", isBool: true, parse: parseSandbox,
		help: "serve a built-in simulation of the Atomic API; no token needed, no real account touched"},
	{flag: "read-only", env: "ATOMIC_MCP_READ_ONLY", isBool: true, parse: parseReadOnly,
		help: "register only the read-only tools, list_customers and list_service_plans"},
	{flag: "log-level", env: "ATOMIC_MCP_LOG_LEVEL", def: "info", parse: parseLogLevel,
		help: "debug, info, warn or error"},
	{flag: "log-format", env: "ATOMIC_MCP_LOG_FORMAT", def: "text", parse: parseLogFormat,
		help: "text or json"},
	{flag: "api-url", env: "ATOMIC_API_URL", def: atomicapi.DefaultBaseURL, parse: parseAPIURL,
		help: "Atomic API base URL"},
	{env: "ATOMIC_MCP_CONFIRM_SECRET", parse: parseConfirmSecret},
	{flag: "rate-limit", env: "ATOMIC_MCP_RATE_LIMIT", def: strconv.FormatFloat(atomicapi.DefaultRateLimit, 'g', -1, 64), defNote: ", the provider's documented limit", parse: parseRateLimit,
		help: "most Atomic API requests per second, retries and pages included; negative turns the limit off"},
	{flag: "plans-ttl", env: "ATOMIC_MCP_PLANS_TTL", def: durationText(atomicapi.DefaultPlansTTL), parse: parsePlansTTL,
		help: "how long service plans are cached; 0 turns the cache off"},
	{flag: "customers-ttl", env: "ATOMIC_MCP_CUSTOMERS_TTL", def: durationText(atomicapi.DefaultCustomersTTL), parse: parseCustomersTTL,
		help: "how long the customer list is cached; every create and delete through this server clears it; 0 turns the cache off"},
	{flag: "api-timeout", env: "ATOMIC_MCP_API_TIMEOUT", def: durationText(atomicapi.DefaultRequestTimeout), parse: parseAPITimeout,
		defNote: "; a whole call, retries included, always ends within " + durationText(atomicapi.DefaultCallDeadline),
		help:    "how long one Atomic API request may take before it is abandoned (and, for reads, retried)"},
	{flag: "tools", env: "ATOMIC_MCP_TOOLS", defNote: "all", parse: parseTools,
		help: "comma-separated tools to register, e.g. list_customers,list_service_plans"},
	{flag: "stateless", env: "ATOMIC_MCP_STATELESS", isBool: true, parse: parseStateless,
		help: "streamable HTTP without server sessions, for replicas behind a load balancer"},
	{flag: "addr", env: "ATOMIC_MCP_ADDR", def: DefaultAddr, parse: parseAddr,
		help: "listen address for sse and http"},
	{flag: "auth-token-file", env: "ATOMIC_MCP_AUTH_TOKEN", file: true, parse: parseAuthToken,
		help: "read the bearer token MCP clients must send (sse, http) from this file instead of ATOMIC_MCP_AUTH_TOKEN"},
	{flag: "allowed-origins", env: "ATOMIC_MCP_ALLOWED_ORIGINS", defNote: "http(s) on localhost, 127.0.0.1, [::1]", parse: parseAllowedOrigins,
		help: "comma-separated browser origins allowed to call"},
	{flag: "audit-log", env: "ATOMIC_MCP_AUDIT_LOG", defNote: "off", parse: parseAuditLog,
		help: "append every create and delete attempt to this file, one JSON line each, mode 0600"},
	{flag: "confirm-mode", env: "ATOMIC_MCP_CONFIRM_MODE", def: string(confirm.ModeAuto), parse: parseConfirmMode,
		help: "how deletes are confirmed: auto (ask through the client where it can and does answer, else a confirmation token), elicitation, token or browser (an approval page only a person can use)"},
	{flag: "elicitation-timeout", env: "ATOMIC_MCP_ELICITATION_TIMEOUT", def: durationText(confirm.DefaultElicitationTimeout), parse: parseElicitationTimeout,
		help: "how long a delete waits for the client to answer its confirmation question before falling back to the confirmation token"},
	{flag: "public-url", env: "ATOMIC_MCP_PUBLIC_URL", defNote: "the listen address", parse: parsePublicURL,
		help: "the URL at which people reach this server (sse, http), e.g. https://mcp.example.com; browser approval links start with it"},
	{flag: "rate-limit-per-user", env: "ATOMIC_MCP_RATE_LIMIT_PER_USER", def: "0", parse: parseRateLimitPerUser,
		help: "most tool calls per second for each signed-in person (sse, http), so one runaway agent cannot starve the rest; 0 is no limit"},
	{flag: "oauth-scopes", env: "ATOMIC_MCP_OAUTH_SCOPES", defNote: "read=customers:read,write=customers:write,delete=customers:delete", parse: parseOAuthScopes,
		help: "the authorization server's names for the permissions, e.g. read=api://atomic/Customers.Read,write=...,delete=..."},
	{flag: "oauth-issuer", env: "ATOMIC_MCP_OAUTH_ISSUER", parse: parseOAuthIssuer,
		help: "the organisation's OAuth/OpenID authorization server (sse, http): every request needs an access token it issued for --public-url"},
	// The last way to authenticate: a listener off this machine needs one.
	{flag: "auth-keys", env: "ATOMIC_MCP_AUTH_KEYS", parse: parseAuthKeys,
		help: `a JSON file of per-person keys, [{"name", "sha256", "scopes"}], for a team without an identity provider (sse, http)`},
	{flag: "store", env: "ATOMIC_MCP_STORE", defNote: "memory, and file for atomic-mcp call", parse: parseStore,
		help: "shared state (spent confirmations, create leases, rate budget, cache invalidation): memory, file, file:///dir or redis[s]://[user:password@]host:port/db, one for every replica"},
	{flag: "metrics-addr", env: "ATOMIC_MCP_METRICS_ADDR", parse: parseMetrics,
		help: "serve Prometheus metrics at http://HOST:PORT/metrics, on any transport; off by default; an address off this machine needs ATOMIC_MCP_AUTH_TOKEN, sent as a bearer token"},
	// Last: --version and --sandbox need no token.
	{flag: "api-token-file", env: "ATOMIC_API_TOKEN", file: true, parse: parseAPIToken,
		help: "read the Atomic API token from this file instead of ATOMIC_API_TOKEN"},
}

// usage is the setting's line in --help: what it does, then its variable
// and default. A file flag's help names its variable itself.
func (s setting) usage() string {
	if s.env == "" || s.file {
		return s.help
	}
	if s.isBool {
		return s.help + " (env " + s.env + "=1)"
	}
	if s.def == "" && s.defNote == "" {
		return s.help + " (env " + s.env + ")"
	}
	return s.help + " (env " + s.env + "; default " + s.def + s.defNote + ")"
}

// newFlags declares the settings' flags. Output is discarded: Parse reports
// every flag error in one line of its own.
func newFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("atomic-mcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, s := range settings {
		switch {
		case s.flag == "":
		case s.isBool:
			fs.Bool(s.flag, false, s.usage())
		default:
			fs.String(s.flag, "", s.usage())
		}
	}
	return fs
}

// lookup finds the setting's value: its flag if given, else its variable,
// else its default. given holds the flags on the command line.
func (s setting) lookup(fs *flag.FlagSet, given map[string]bool, getenv func(string) string) value {
	if s.flag != "" && given[s.flag] {
		// An empty string flag counts as not given, as it always has.
		if v := fs.Lookup(s.flag).Value.String(); s.isBool || v != "" {
			return value{value: v, from: "--" + s.flag, file: s.file}
		}
	}
	if s.env != "" {
		if v := strings.TrimSpace(getenv(s.env)); v != "" {
			return value{value: v, from: s.env}
		}
	}
	from := s.env // "ATOMIC_API_TOKEN is not set"
	if from == "" {
		from = "--" + s.flag
	}
	return value{value: s.def, from: from}
}

// value is one setting's value and where it came from, for errors.
type value struct {
	value, from string
	file        bool // value is the path of a file holding the secret
}

func (v value) fromFlag() bool { return strings.HasPrefix(v.from, "--") }

// String names the value with its source, as a person would have written
// it: --flag "value" or VARIABLE="value".
func (v value) String() string {
	if v.fromFlag() {
		return fmt.Sprintf("%s %q", v.from, v.value)
	}
	return fmt.Sprintf("%s=%q", v.from, v.value)
}

// on reads a yes/no value. An unrecognised value is an error rather than a
// silent "off".
func (v value) on() (bool, error) {
	switch s := strings.ToLower(v.value); s {
	case "":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	default:
		return false, errorf("%s=%q is not a yes/no value: use %s=1 or %s=0", v.from, s, v.from, v.from)
	}
}

// secret returns a secret's text, read from the file a file flag names,
// trimmed, and its source for errors (the variable, or the flag and file).
func (v value) secret() (text, source string, err error) {
	if !v.file {
		return strings.TrimSpace(v.value), v.from, nil
	}
	data, err := readFile(v.value)
	if err != nil {
		return "", "", errorf("%s: %v: give a readable file holding only the token", v.from, err)
	}
	return strings.TrimSpace(string(data)), v.from + " " + v.value, nil
}

// durationText writes a default duration as a person would: 5m, not 5m0s.
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// readFile is os.ReadFile with an error that reads "PATH no such file or
// directory", without the operation's name.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	return data, unwrapPathError(err)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s", pe.Path, pe.Err)
	}
	return err
}
