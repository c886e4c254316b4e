package install

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Request is one install or uninstall.
type Request struct {
	Client   *Client
	Platform Platform
	// ConfigFile, when set, is the file to edit instead of the client's
	// own; the client's CLI is then not used.
	ConfigFile string
	// Launch is the entry to install.
	Launch Launch
	// Placeholder is the value standing for a token not given, which a
	// client that asks for the token itself replaces with its input.
	Placeholder string
	// HoldsToken says Launch carries a real token: the file is written
	// with mode 0600.
	HoldsToken bool
	// Force replaces an atomic entry that differs; DryRun writes nothing.
	Force, DryRun bool
	// Now times the backup's name; nil: time.Now.
	Now func() time.Time
}

// Result is what an install or uninstall did, or would do under DryRun.
type Result struct {
	// Path is the configuration file.
	Path string
	// Diff is the change to Path, "" when there is none.
	Diff string
	// Backup is the copy of Path made before the change, if any.
	Backup string
	// Command is the client's own command that made the change, if it was
	// used (or would be, under DryRun).
	Command []string
	// Existed says Path was there before.
	Existed bool
	// TokenFile is the file the token is written to (mode 0600), when it
	// cannot go into the configuration.
	TokenFile string
}

// Changed reports whether the configuration changed (or would).
func (r Result) Changed() bool { return r.Diff != "" }

// ConflictError is an atomic entry already in the file that differs from
// the one asked for; Force replaces it.
type ConflictError struct {
	Path string
	// Diff is what replacing it would change.
	Diff string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s already has a different %q entry: run again with --force to replace it (a backup is made first), or atomic-mcp uninstall to remove it", e.Path, ServerName)
}

// cliScope is the scope entries are added in through a client's CLI: the
// user's, every project, as the file written without the CLI.
const cliScope = "user"

// Install merges the entry into the client's configuration.
func Install(ctx context.Context, req Request) (Result, error) {
	doc, err := open(req)
	if err != nil {
		return Result{}, err
	}
	c := req.Client
	launch := req.Launch
	var tokenFile string
	if doc.cli != "" && req.HoldsToken {
		// The CLI would take the token on its command line, where every
		// local user can read it: it goes into a file of its own.
		if tokenFile, err = TokenFile(req.Platform); err != nil {
			return doc.result, err
		}
		launch = withTokenFile(launch, tokenFile)
	}
	entry, inputs := c.Entry(launch, req.Placeholder)
	old, err := lookup(doc.src, c.ServersKey, ServerName)
	if err != nil {
		return doc.result, doc.invalid(err)
	}
	out, err := set(doc.src, []string{c.ServersKey}, ServerName, entry)
	if err != nil {
		return doc.result, doc.invalid(err)
	}
	for _, in := range inputs {
		if out, _, err = appendElement(out, "inputs", in, hasID(in.ID)); err != nil {
			return doc.result, doc.invalid(err)
		}
	}
	res := doc.result
	if old != nil && sameEntry(old, entry) && !inputsMissing(doc.src, inputs) {
		return res, nil // the same entry, maybe laid out by the client itself
	}
	res.Diff = Diff(res.Path, doc.src, out)
	if !res.Changed() {
		return res, nil
	}
	if old != nil && !req.Force {
		return res, &ConflictError{Path: res.Path, Diff: res.Diff}
	}
	if doc.cli != "" {
		compact, err := render(entry, "", "")
		if err != nil {
			return res, err
		}
		res.Command = []string{c.CLI, "mcp", "add-json", "--scope", cliScope, ServerName, string(compact)}
		res.TokenFile = tokenFile
		if req.DryRun {
			return res, nil
		}
		if tokenFile != "" {
			if err := write(tokenFile, []byte(req.Launch.Env[TokenVariable]+"\n"), 0o600); err != nil {
				return res, err
			}
		}
		if res.Backup, err = backup(req, res.Path, doc.src, res.Existed); err != nil {
			return res, err
		}
		if old != nil {
			if err := runCLI(ctx, doc.cli, c.CLI, "mcp", "remove", "--scope", cliScope, ServerName); err != nil {
				return res, err
			}
		}
		return res, runCLI(ctx, doc.cli, res.Command[1:]...)
	}
	if req.DryRun {
		return res, nil
	}
	mode := doc.mode
	if req.HoldsToken {
		mode = 0o600
	}
	if res.Backup, err = backup(req, res.Path, doc.src, res.Existed); err != nil {
		return res, err
	}
	return res, write(res.Path, out, mode)
}

// Uninstall removes the atomic entry, and nothing else, from the client's
// configuration.
func Uninstall(ctx context.Context, req Request) (Result, error) {
	doc, err := open(req)
	if err != nil {
		return Result{}, err
	}
	c := req.Client
	out, found, err := remove(doc.src, []string{c.ServersKey}, ServerName)
	if err != nil {
		return doc.result, doc.invalid(err)
	}
	res := doc.result
	if !found {
		return res, nil
	}
	if c.AsksForToken {
		if out, _, err = removeElement(out, "inputs", hasID(vscodeTokenInput)); err != nil {
			return res, doc.invalid(err)
		}
	}
	res.Diff = Diff(res.Path, doc.src, out)
	if doc.cli != "" {
		res.Command = []string{c.CLI, "mcp", "remove", "--scope", cliScope, ServerName}
	}
	if req.DryRun {
		return res, nil
	}
	if res.Backup, err = backup(req, res.Path, doc.src, res.Existed); err != nil {
		return res, err
	}
	if doc.cli != "" {
		return res, runCLI(ctx, doc.cli, res.Command[1:]...)
	}
	return res, write(res.Path, out, doc.mode)
}

// document is a configuration file as found.
type document struct {
	result Result
	src    []byte
	mode   fs.FileMode
	// cli is the path of the client's own command, when it edits the file.
	cli string
}

func open(req Request) (document, error) {
	path := req.ConfigFile
	var err error
	if path == "" {
		if path, err = req.Client.ConfigPath(req.Platform); err != nil {
			return document{}, fmt.Errorf("cannot tell where %s keeps its configuration: %w", req.Client.Title, err)
		}
	}
	// A link (as dotfile managers make) is followed: the file it points
	// to is edited, and the link stays.
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	d := document{result: Result{Path: path}, mode: 0o600}
	if req.ConfigFile == "" && req.Client.CLI != "" {
		d.cli = req.Platform.lookPath(req.Client.CLI)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return d, nil
	case err != nil:
		return d, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	case !fi.Mode().IsRegular():
		return d, fmt.Errorf("%s is not a regular file: name the file to edit with --config-file", path)
	}
	if d.src, err = os.ReadFile(path); err != nil {
		return d, fmt.Errorf("read %s: %w", path, unwrapPathError(err))
	}
	d.result.Existed, d.mode = true, fi.Mode().Perm()
	return d, nil
}

func (d document) invalid(err error) error {
	return fmt.Errorf("%s %w: fix it (the backup of an earlier install, next to it, may help) or name another file with --config-file", d.result.Path, err)
}

// backup copies the file as it was, next to it, with the time in its name.
// The copy is mode 0600: the file may hold a token.
func backup(req Request, path string, src []byte, existed bool) (string, error) {
	if !existed {
		return "", nil
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	base := path + ".backup-" + now().Format("20060102-150405")
	name := base
	for i := 2; ; i++ {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			name = fmt.Sprintf("%s-%d", base, i)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("back up %s: %w", path, unwrapPathError(err))
		}
		_, err = f.Write(src)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		return name, nil
	}
}

// write replaces path with data through a temporary file in the same
// directory, so a client reading it never sees half a file.
func write(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, unwrapPathError(err))
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing to remove
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	return nil
}

// runCLI runs a client's own command, which edits its configuration.
func runCLI(ctx context.Context, path string, args ...string) error {
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		// The arguments are not repeated: add-json's holds the entry.
		return fmt.Errorf("%s %s failed: %w: %s", filepath.Base(path), strings.Join(args[:2], " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func hasID(id string) func(json.RawMessage) bool {
	return func(raw json.RawMessage) bool {
		var v struct {
			ID string `json:"id"`
		}
		return json.Unmarshal(raw, &v) == nil && v.ID == id
	}
}

// sameEntry reports whether raw, an entry found in a file, says what v
// says: members in any order, and empty members (a client writes "env": {})
// the same as absent ones.
func sameEntry(raw json.RawMessage, v any) bool {
	enc, err := json.Marshal(v)
	if err != nil {
		return false
	}
	var x, y map[string]any
	if json.Unmarshal(raw, &x) != nil || json.Unmarshal(enc, &y) != nil {
		return false
	}
	return reflect.DeepEqual(dropEmpty(x), dropEmpty(y))
}

func dropEmpty(m map[string]any) map[string]any {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case string:
			if v == "" {
				delete(m, k)
			}
		case []any:
			if len(v) == 0 {
				delete(m, k)
			}
		case map[string]any:
			if len(v) == 0 {
				delete(m, k)
			}
		}
	}
	return m
}

// inputsMissing reports whether any of inputs is not in src's inputs.
func inputsMissing(src []byte, inputs []Input) bool {
	for _, in := range inputs {
		if _, added, err := appendElement(src, "inputs", in, hasID(in.ID)); err != nil || added {
			return true
		}
	}
	return false
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// TokenFile is where install keeps the token when the client's CLI would
// otherwise take it on its command line: in atomic-mcp's own directory of
// the user's settings.
func TokenFile(p Platform) (string, error) {
	dir, err := p.appConfigDir("atomic-mcp")
	return filepath.Join(dir, "api-token"), err
}

// withTokenFile is l reading the token from path instead of its env.
func withTokenFile(l Launch, path string) Launch {
	env := make(map[string]string, len(l.Env))
	for k, v := range l.Env {
		if k != TokenVariable {
			env[k] = v
		}
	}
	l.Env = env
	l.Args = append(slices.Clone(l.Args), "--api-token-file", path)
	return l
}
