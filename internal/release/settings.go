package release

import (
	"strings"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
)

// setting is one thing a person installing the bundle may set. The MCPB
// manifest's user_config and env, and the registry's environmentVariables,
// are all made from this one list.
type setting struct {
	// key names it in user_config (${user_config.KEY}).
	key string
	// env is the server's environment variable that carries it. Binary
	// servers get settings only through ${user_config.*} in env: hosts are
	// known to drop static env values (modelcontextprotocol/mcpb#297).
	env         string
	kind        string // MCPB type: string or boolean
	title       string
	description string
	// def is the default, which every setting has: a host leaves
	// ${user_config.KEY} unsubstituted when there is neither a value nor a
	// default (modelcontextprotocol/mcpb#251), and the server would read the
	// placeholder itself.
	def       any
	sensitive bool
	// format and choices are for the registry (its Input format and choices).
	format  string
	choices []string
}

func confirmModes() []string {
	names := make([]string, len(confirm.Modes))
	for i, m := range confirm.Modes {
		names[i] = string(m)
	}
	return names
}

// settings are the bundle's user_config, in the order a host shows them.
var settings = []setting{
	{
		key: "api_token", env: "ATOMIC_API_TOKEN", kind: "string", sensitive: true, def: "",
		title:       "Atomic API token",
		description: "Your Atomic API access token, from the Atomic portal: Account Settings > General Settings > Profile Settings. Leave it empty to try the sandbox.",
	},
	{
		key: "sandbox", env: "ATOMIC_MCP_SANDBOX", kind: "boolean", def: false, format: "boolean",
		title:       "Sandbox (no real account)",
		description: "Serve a built-in simulation of the Atomic API with sample customers instead of your account. No token needed; nothing real is created or deleted.",
	},
	{
		key: "api_url", env: "ATOMIC_API_URL", kind: "string", def: atomicapi.DefaultBaseURL,
		title:       "Atomic API URL",
		description: "The Atomic API's base URL. Change it only if Atom Telecom gave you another.",
	},
	{
		key: "read_only", env: "ATOMIC_MCP_READ_ONLY", kind: "boolean", def: false, format: "boolean",
		title:       "Read only",
		description: "Offer only list_customers and list_service_plans: the assistant can look but cannot create or delete customers.",
	},
	{
		key: "confirm_mode", env: "ATOMIC_MCP_CONFIRM_MODE", kind: "string", def: string(confirm.ModeAuto), choices: confirmModes(),
		title:       "Delete confirmation",
		description: "How a delete is confirmed: " + strings.Join(confirmModes(), ", ") + ". auto asks you in Claude where it can and otherwise makes the assistant come back with a confirmation token after your yes.",
	},
	{
		key: "audit_log", env: "ATOMIC_MCP_AUDIT_LOG", kind: "string", def: "", format: "filepath",
		title:       "Audit log file (optional)",
		description: "A file to which every create and delete attempt is appended, one JSON line each, e.g. /Users/you/atomic-audit.jsonl. Leave empty for none.",
	},
}
