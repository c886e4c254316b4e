package e2e

// `atomic-mcp sandbox` outlives one process: the settings it prints point
// separate `atomic-mcp call` runs at the same simulated API, so a delete
// can be confirmed across two of them, as the README shows.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSandboxCommandAcrossCalls(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, "sandbox", "--addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)))
	cmd.Env = procEnv(nil)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The settings, read as a shell would take them from the export lines.
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	lines := bufio.NewScanner(stdout)
	for len(env) < 4 && lines.Scan() {
		if kv, ok := strings.CutPrefix(lines.Text(), "export "); ok {
			env = append(env, kv)
		}
	}
	if len(env) < 4 {
		t.Fatalf("sandbox printed no settings (%v)\nstderr:\n%s", lines.Err(), stderr.String())
	}
	go func() {
		for lines.Scan() {
		}
	}()

	call := func(args string) map[string]any {
		t.Helper()
		out, errOut, code := runOnce(t, env, "call", "delete_customer", args)
		var res map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("call %s exited %d:\n%s\n%s", args, code, out, errOut)
		}
		return res
	}
	first := call(`{"customer_id":5}`)
	token, _ := first["confirmation_token"].(string)
	if first["status"] != "confirmation_required" || token == "" {
		t.Fatalf("first call: %v, want status confirmation_required and a token", first)
	}
	second := call(fmt.Sprintf(`{"customer_id":5,"confirmation_token":%q}`, token))
	if second["status"] != "deleted" {
		t.Fatalf("second call: %v, want status deleted", second)
	}
	// A third process sees the customer gone from the one sandbox.
	out, errOut, code := runOnce(t, env, "call", "list_customers")
	var list map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("list exited %d:\n%s\n%s", code, out, errOut)
	}
	if ids := customerIDs(t, list); len(ids) == 0 || slices.Contains(ids, 5) {
		t.Errorf("after the delete the sandbox lists %v", ids)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(t, err); code != 0 {
			t.Errorf("sandbox exited %d on SIGTERM, want 0\n%s", code, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("sandbox did not stop on SIGTERM")
	}
}
