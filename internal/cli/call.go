package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/app"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/store"
	"github.com/atomtelecom/atomic-mcp/internal/suggest"
	"github.com/atomtelecom/atomic-mcp/tools"
)

// ClientName is how `call` introduces itself to the server, and so how its
// calls appear in the audit trail.
const ClientName = "atomic-mcp-cli"

// callStore is the store of a `call` run: unless one is configured, the
// file store in the user's state directory, so that a confirmation token
// redeemed by one run is refused by the next.
func callStore(env Env, configured string, log *slog.Logger) string {
	if configured != "" {
		return configured
	}
	dir, err := store.StateDir(env.Getenv)
	if err != nil {
		log.Warn("confirmation tokens are single-use only within this run", "cause", err)
		return "memory"
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

// maxArgsBytes bounds the tool arguments read from stdin.
const maxArgsBytes = 1 << 20

func runTools(ctx context.Context, env Env, args []string) error {
	positional, flags := split(args)
	if len(positional) > 0 {
		return usageError("atomic-mcp tools [FLAGS] takes no arguments; got %q", positional[0])
	}
	// Listing sends nothing upstream, so it needs no token; flags such as
	// --read-only and --tools still narrow the list as they would the
	// server's.
	getenv := env.Getenv
	env.Getenv = func(k string) string {
		if v := getenv(k); v != "" || k != "ATOMIC_API_TOKEN" {
			return v
		}
		return "not-needed-to-list-tools"
	}
	cfg, err := parseConfig(env, flags)
	if err != nil {
		return err
	}
	// The definitions alone: no API client, sandbox or audit log is built.
	selected, err := tools.Select(tools.Deps{}, tools.Options{ReadOnly: cfg.ReadOnly, Only: cfg.Tools})
	if err != nil {
		return config.Invalid("--tools", err)
	}
	list := make([]mcp.Tool, len(selected))
	for i, t := range selected {
		list[i] = t.Tool
	}
	out, err := indentJSON(struct {
		Tools []mcp.Tool `json:"tools"`
	}{list})
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(out)
	return err
}

func runCall(ctx context.Context, env Env, args []string) error {
	// --yes is the subcommand's own flag, allowed anywhere.
	args, yes, err := takeBool(args, "yes")
	if err != nil {
		return err
	}
	positional, flags := split(args)
	if len(positional) < 1 || len(positional) > 2 {
		return usageError("atomic-mcp call TOOL [JSON|-] [--yes] [FLAGS]: one tool and at most one JSON object of arguments, among the flags in any order, e.g. atomic-mcp call list_customers '{\"customer_name\":\"Redfern\"}' --sandbox")
	}
	name := positional[0]
	if yes && name != "delete_customer" {
		return usageError("--yes only applies to delete_customer, which otherwise asks for a confirmation")
	}
	arguments, err := readArguments(env.Stdin, positional[1:])
	if err != nil {
		return err
	}
	cfg, err := parseConfig(env, flags)
	if err != nil {
		return err
	}
	log := logger(env, cfg, flags)
	cfg.Store = callStore(env, cfg.Store, log)
	a, err := app.New(ctx, cfg, env.Version, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if !slices.Contains(a.ToolNames(), name) {
		if s := suggest.Closest(name, a.ToolNames()); s != "" {
			return usageError("no tool %q here; did you mean %s? (the tools are %s)", name, s, strings.Join(a.ToolNames(), ", "))
		}
		return usageError("no tool %q here: the tools are %s", name, strings.Join(a.ToolNames(), ", "))
	}

	// An in-process MCP client: the call takes the same path through the
	// server — schema validation, logging, audit — as an assistant's. It
	// declares no elicitation, so delete_customer answers with a
	// confirmation token unless --yes approved it.
	c, err := client.NewInProcessClient(a.Server)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start in-process client: %w", err)
	}
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: ClientName, Version: env.Version}
	if _, err := c.Initialize(ctx, init); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if yes {
		ctx = tools.WithCommandLineApproval(ctx)
	}
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = arguments
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		return errors.New(tools.ResultText(res))
	}
	if err := printResult(env.Stdout, res); err != nil {
		return err
	}
	if status := resultStatus(res); name == "delete_customer" && status == "confirmation_required" {
		hint := "Nothing was deleted. To delete, run the same call again with \"confirmation_token\" added to the arguments, or add --yes (recorded in the audit trail)."
		if len(cfg.ConfirmSecret) == 0 {
			hint += " ATOMIC_MCP_CONFIRM_SECRET is not set, so this token only worked inside this process: set it (the same value) for both calls, or use --yes."
		}
		fmt.Fprintln(env.Stderr, hint)
	}
	return nil
}

// readArguments decodes the tool's arguments: a JSON object given on the
// command line, read from stdin for "-", or none. Numbers keep their digits.
func readArguments(stdin io.Reader, given []string) (map[string]any, error) {
	raw := []byte("{}")
	if len(given) == 1 {
		raw = []byte(given[0])
		if given[0] == "-" {
			if stdin == nil {
				return nil, usageError("no stdin to read the arguments from")
			}
			var err error
			if raw, err = io.ReadAll(io.LimitReader(stdin, maxArgsBytes+1)); err != nil {
				return nil, fmt.Errorf("read arguments from stdin: %w", err)
			}
			if len(raw) > maxArgsBytes {
				return nil, usageError("the arguments on stdin are larger than %d bytes", maxArgsBytes)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var args map[string]any
	if err := dec.Decode(&args); err != nil || args == nil || dec.More() {
		return nil, usageError("the arguments must be one JSON object, e.g. '{\"customer_id\": 6}'")
	}
	return args, nil
}

// printResult writes the structured result as indented JSON, or the text
// when a tool gave none.
func printResult(w io.Writer, res *mcp.CallToolResult) error {
	if res.StructuredContent == nil {
		_, err := fmt.Fprintln(w, tools.ResultText(res))
		return err
	}
	out, err := indentJSON(res.StructuredContent)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func resultStatus(res *mcp.CallToolResult) string {
	if m, ok := res.StructuredContent.(map[string]any); ok {
		s, _ := m["status"].(string)
		return s
	}
	return ""
}
