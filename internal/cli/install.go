package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"golang.org/x/term"

	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/install"
)

// installFlags are install's and uninstall's own flags.
type installFlags struct {
	configFile    string
	dryRun, force bool
}

func takeInstallFlags(args []string) (rest []string, f installFlags, err error) {
	if args, f.dryRun, err = takeBool(args, "dry-run"); err != nil {
		return nil, f, err
	}
	if args, f.force, err = takeBool(args, "force"); err != nil {
		return nil, f, err
	}
	args, f.configFile, err = takeValue(args, "config-file")
	return args, f, err
}

// takeValue removes a flag of the subcommand's own that takes a value
// (--name VALUE or --name=VALUE) from args and returns its value.
func takeValue(args []string, name string) (rest []string, value string, err error) {
	for i := 0; i < len(args); i++ {
		key, v, inline := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || key != name {
			rest = append(rest, args[i])
			continue
		}
		if !inline {
			if i+1 >= len(args) {
				return nil, "", usageError("--%s needs a file name", name)
			}
			i++
			v = args[i]
		}
		if value = v; value == "" {
			return nil, "", usageError("--%s needs a file name", name)
		}
	}
	return rest, value, nil
}

// parseInstallArgs reads install's and uninstall's arguments: the client,
// the command's own flags, and the server's flags for the entry.
func parseInstallArgs(command string, args []string) (*install.Client, installFlags, []string, error) {
	args, own, err := takeInstallFlags(args)
	if err != nil {
		return nil, own, nil, err
	}
	positional, flags := split(args)
	if len(positional) != 1 {
		return nil, own, nil, usageError("atomic-mcp %s CLIENT [FLAGS], where CLIENT is %s", command, strings.Join(clientNames(), ", "))
	}
	c := install.Lookup(positional[0])
	if c == nil {
		return nil, own, nil, unknownClient(positional[0])
	}
	return c, own, flags, nil
}

func runInstall(ctx context.Context, env Env, args []string) error {
	client, own, flags, err := parseInstallArgs("install", args)
	if err != nil {
		return err
	}
	l, err := clientLaunch(env, flags, "install")
	if err != nil {
		return err
	}
	token := ""
	if l.needsToken {
		if token, err = installToken(env); err != nil {
			return err
		}
		l.Env[install.TokenVariable] = TokenPlaceholder
		if token != "" {
			l.Env[install.TokenVariable] = token
		}
	}
	platform := install.Current(env.Getenv)
	req := install.Request{
		Client: client, Platform: platform, ConfigFile: own.configFile, Launch: l.Launch,
		Placeholder: TokenPlaceholder, HoldsToken: token != "", Force: own.force, DryRun: own.dryRun,
	}
	res, err := install.Install(ctx, req)
	hide := hider(token)
	var conflict *install.ConflictError
	if errors.As(err, &conflict) {
		fmt.Fprintf(env.Stdout, "%sNothing was written.\n", hide(conflict.Diff))
		return err
	}
	if err != nil {
		return fmt.Errorf("install %s: %w", client.Name, err)
	}
	w := env.Stdout
	switch {
	case !res.Changed():
		fmt.Fprintf(w, "%s already has this atomic entry in %s: nothing changed.\n", client.Title, res.Path)
	case own.dryRun:
		fmt.Fprintf(w, "%sDry run: nothing was written. Without --dry-run, install would change %s as above", hide(res.Diff), res.Path)
		if len(res.Command) > 0 {
			fmt.Fprintf(w, ", by running %s mcp add-json", client.CLI)
		}
		fmt.Fprintln(w, ".")
	default:
		fmt.Fprint(w, hide(res.Diff))
		how := ""
		if len(res.Command) > 0 {
			how = " with " + client.CLI + " mcp add-json"
		}
		fmt.Fprintf(w, "Installed atomic for %s in %s%s.\n", client.Title, res.Path, how)
		if res.Backup != "" {
			fmt.Fprintf(w, "The file as it was is in %s.\n", res.Backup)
		}
	}
	if res.TokenFile != "" {
		verb := "is"
		if own.dryRun {
			verb = "would be"
		}
		fmt.Fprintf(w, "The token %s in %s (mode 0600), which the entry reads with --api-token-file: not on the command line, where every local user could read it.\n", verb, res.TokenFile)
	}
	switch {
	case l.cfg.Sandbox:
		fmt.Fprintf(w, "The entry uses the sandbox, a simulated Atomic API: no token, no real account. For the real account, run atomic-mcp install %s --force with ATOMIC_API_TOKEN set (or with --api-token-file FILE).\n", client.Name)
	case l.needsToken && token == "" && client.AsksForToken:
		fmt.Fprintf(w, "%s asks for the Atomic API token the first time it starts the server, and keeps it in its secret storage.\n", client.Title)
	case l.needsToken && token == "":
		fmt.Fprintf(w, "To finish: the entry holds the placeholder %s, which the server refuses. Run atomic-mcp install %s --force again with ATOMIC_API_TOKEN set (or with --api-token-file FILE), or replace the placeholder in %s with the token from the Atomic portal (Account Settings > General Settings > Profile Settings).\n", TokenPlaceholder, client.Name, res.Path)
	case token != "" && res.TokenFile == "" && res.Changed():
		fmt.Fprintf(w, "%s holds the token, so it is written with mode 0600.\n", res.Path)
	}
	fmt.Fprintln(w, "Next: "+client.NextStep(platform))
	warnGoRun(env)
	return nil
}

func runUninstall(ctx context.Context, env Env, args []string) error {
	client, own, flags, err := parseInstallArgs("uninstall", args)
	if err != nil {
		return err
	}
	if len(flags) > 0 {
		return usageError("atomic-mcp uninstall CLIENT takes only --config-file, --dry-run and --force; got %s", flags[0])
	}
	res, err := install.Uninstall(ctx, install.Request{Client: client, Platform: install.Current(env.Getenv), ConfigFile: own.configFile, DryRun: own.dryRun})
	if err != nil {
		return fmt.Errorf("uninstall %s: %w", client.Name, err)
	}
	w := env.Stdout
	switch {
	case !res.Changed():
		fmt.Fprintf(w, "No atomic entry in %s: nothing changed.\n", res.Path)
		return nil
	case own.dryRun:
		fmt.Fprintf(w, "%sDry run: nothing was written. Without --dry-run, uninstall would change %s as above.\n", hideEnv(res.Diff), res.Path)
		return nil
	}
	fmt.Fprint(w, hideEnv(res.Diff))
	fmt.Fprintf(w, "Removed the atomic entry for %s from %s; nothing else was changed.\n", client.Title, res.Path)
	if res.Backup != "" {
		fmt.Fprintf(w, "The file as it was is in %s.\n", res.Backup)
	}
	return nil
}

// installToken reads the token for the entry: ATOMIC_API_TOKEN, else a
// hidden prompt when stdin is a terminal, else none. It is never a flag.
func installToken(env Env) (string, error) {
	if raw := strings.TrimSpace(env.Getenv("ATOMIC_API_TOKEN")); raw != "" {
		return raw, config.CheckToken(raw, "ATOMIC_API_TOKEN")
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", nil
	}
	fmt.Fprint(env.Stderr, "Atomic API token (Atomic portal: Account Settings > General Settings > Profile Settings; typing is hidden; Enter for none): ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("read the token: %w", err)
	}
	raw := strings.TrimSpace(string(b))
	if raw == "" {
		return "", nil
	}
	return raw, config.CheckToken(raw, "the token typed")
}

// hider masks token in text shown to people: the diff of a file holding
// it goes to a terminal, and from there to screenshots and tickets.
func hider(token string) func(string) string {
	if token == "" {
		return hideEnv
	}
	quoted, _ := json.Marshal(token)
	inner := string(quoted[1 : len(quoted)-1])
	return func(s string) string {
		return hideEnv(strings.NewReplacer(token, "<token, hidden>", inner, "<token, hidden>").Replace(s))
	}
}

// tokenMember is a token in a client's JSON, in any layout.
var tokenMember = regexp.MustCompile(`("` + install.TokenVariable + `"\s*:\s*")((?:[^"\\]|\\.)*)"`)

// hideEnv masks the value of the token in a diff (what uninstall removes
// may hold one), unless it is the placeholder or a client's reference.
func hideEnv(s string) string {
	return tokenMember.ReplaceAllStringFunc(s, func(m string) string {
		sub := tokenMember.FindStringSubmatch(m)
		if sub[2] == TokenPlaceholder || strings.HasPrefix(sub[2], "${") {
			return m
		}
		return sub[1] + "<token, hidden>\""
	})
}
