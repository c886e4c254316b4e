// Package cli holds atomic-mcp's subcommands: setup helpers for people
// connecting a client (config, doctor) and a scriptable way to run the
// tools without an MCP client (tools, call). Every subcommand reads the same
// flags and environment as the server, after its own arguments:
//
//	atomic-mcp SUBCOMMAND [ARGUMENTS] [FLAGS]
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/logging"
	"github.com/atomtelecom/atomic-mcp/internal/suggest"
)

// Env is what a subcommand may touch of the process, passed in so that
// tests can run subcommands without one.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Version is the build's version.
	Version string
	// Executable is this binary's absolute path, written into client
	// configurations: GUI clients do not inherit the shell's PATH.
	Executable string
}

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env Env, args []string) error
}

var commands []command

func init() {
	// Assigned here rather than in the declaration: help lists commands.
	commands = []command{
		{"config", "CLIENT [FLAGS]", "print a configuration entry for CLIENT (" + strings.Join(clientNames(), ", ") + ")", runConfig},
		{"install", "CLIENT [--sandbox] [--config-file PATH] [--dry-run] [--force] [FLAGS]", "add the server to CLIENT's configuration (" + strings.Join(clientNames(), ", ") + "), with a backup and a diff; the token comes from ATOMIC_API_TOKEN, --api-token-file or a hidden prompt", runInstall},
		{"uninstall", "CLIENT [--config-file PATH] [--dry-run]", "remove the server's entry, and nothing else, from CLIENT's configuration", runUninstall},
		{"doctor", "[FLAGS]", "check the configuration and the connection to the Atomic API; exit 0 only if all is well", runDoctor},
		{"sandbox", "[--addr HOST:PORT]", "serve the simulated Atomic API on a fixed address (default " + DefaultSandboxAddr + ") and print the settings that point atomic-mcp call, or a client, at it", runSandbox},
		{"tools", "[FLAGS]", "print the tools with their input and output schemas, as JSON", runTools},
		{"call", "TOOL [JSON|-] [--yes] [FLAGS]", "run one tool in process and print its structured result as JSON; - reads the arguments from stdin", runCall},
		{"help", "[SUBCOMMAND]", "show this help, or one subcommand's", runHelp},
	}
}

// IsCommand reports whether args start with a word rather than the
// server's flags: a subcommand, or a mistyped one that Run explains.
func IsCommand(args []string) bool {
	return len(args) > 0 && args[0] != "" && !strings.HasPrefix(args[0], "-")
}

// Run runs the subcommand named by args[0]. A misused command is a
// *config.Error (exit status 2); a tool's error result, or a problem found
// by doctor, is any other error (exit status 1).
func Run(ctx context.Context, args []string, env Env) error {
	i := slices.IndexFunc(commands, func(c command) bool { return len(args) > 0 && c.name == args[0] })
	if i < 0 {
		return unknownCommand(args)
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if wantsHelp(args[1:]) {
		return commands[i].usage(env.Stdout)
	}
	return commands[i].run(ctx, env, args[1:])
}

// wantsHelp reports a -h or --help among a subcommand's arguments: that is
// a request for its usage, not a setting for doctor to report or a flag for
// config to refuse.
func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		return a == "-h" || a == "-help" || a == "--help"
	})
}

func (c command) usage(w io.Writer) error {
	_, err := fmt.Fprintf(w, "Usage: atomic-mcp %s %s\n\n%s.\n\nFLAGS are the server's (atomic-mcp --help lists them); they come after the subcommand's own arguments.\n", c.name, c.args, c.summary)
	return err
}

func runHelp(_ context.Context, env Env, args []string) error {
	if len(args) > 0 {
		i := slices.IndexFunc(commands, func(c command) bool { return c.name == args[0] })
		if i < 0 {
			return unknownCommand(args)
		}
		return commands[i].usage(env.Stdout)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "Usage:\tatomic-mcp [FLAGS]\tserve MCP; atomic-mcp --help lists the FLAGS\n")
	for _, c := range commands {
		fmt.Fprintf(w, "\tatomic-mcp %s %s\t%s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nThe subcommand and its own arguments come first, then the server's FLAGS (e.g. --sandbox, --api-token-file, --audit-log).\n")
	return w.Flush()
}

// usageError is a misused command: exit status 2, like a bad setting.
func usageError(format string, args ...any) error {
	return config.Invalid("usage", fmt.Errorf(format, args...))
}

func unknownCommand(args []string) error {
	if len(args) == 0 {
		return usageError("no subcommand: run atomic-mcp help")
	}
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	if s := suggest.Closest(args[0], names); s != "" {
		return usageError("unknown subcommand %s; did you mean %s? (atomic-mcp help lists them)", args[0], s)
	}
	return usageError("unknown subcommand %s: run atomic-mcp help", args[0])
}

// split separates a subcommand's own arguments from the server's flags,
// wherever each stands: the server's flag set knows which flags take a
// value, so JSON after --sandbox is still the tool's arguments.
func split(args []string) (positional, flags []string) {
	return config.SplitArgs(args)
}

// takeBool removes a boolean flag of the subcommand's own (e.g. --yes) from
// flags and reports whether it was set.
func takeBool(flags []string, name string) (rest []string, set bool, err error) {
	for _, f := range flags {
		key, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if !strings.HasPrefix(f, "-") || key != name {
			rest = append(rest, f)
			continue
		}
		switch v := strings.ToLower(value); {
		case !hasValue || v == "1" || v == "true" || v == "yes":
			set = true
		case v == "0" || v == "false" || v == "no":
			set = false
		default:
			return nil, false, usageError("--%s=%s is not a yes/no value: use --%s or --%s=false", name, value, name, name)
		}
	}
	return rest, set, nil
}

// parseConfig reads the server's flags and environment for a subcommand.
func parseConfig(env Env, flags []string) (config.Config, error) {
	return config.Parse(flags, env.Getenv, env.Stderr)
}

// logger logs to stderr. Subcommands are quieter than the server: warnings
// and errors only, unless a log level was asked for.
func logger(env Env, cfg config.Config, flags []string) *slog.Logger {
	level := cfg.LogLevel
	asked := env.Getenv("ATOMIC_MCP_LOG_LEVEL") != "" || slices.ContainsFunc(flags, func(f string) bool {
		key, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		return strings.HasPrefix(f, "-") && key == "log-level"
	})
	if !asked {
		level = slog.LevelWarn
	}
	return logging.New(env.Stderr, logging.Options{Level: level, Format: cfg.LogFormat, NoColor: env.Getenv("NO_COLOR") != ""})
}
