package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// DefaultSandboxAddr is where `atomic-mcp sandbox` listens unless told
// otherwise: a fixed port, so the URL it prints stays right across runs.
const DefaultSandboxAddr = "127.0.0.1:8089"

// runSandbox serves the simulated Atomic API until interrupted, for
// separate processes (atomic-mcp call, a server started by a client) to
// share: the sandbox of --sandbox lives and dies with one process.
func runSandbox(ctx context.Context, env Env, args []string) error {
	args, addr, err := takeValue(args, "addr")
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usageError("atomic-mcp sandbox [--addr HOST:PORT] takes no other arguments; got %s", args[0])
	}
	from := "--addr"
	if addr == "" {
		addr, from = strings.TrimSpace(env.Getenv("ATOMIC_MCP_SANDBOX_ADDR")), "ATOMIC_MCP_SANDBOX_ADDR"
	}
	if addr == "" {
		addr, from = DefaultSandboxAddr, ""
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usageError("%s %q is not HOST:PORT, e.g. %s", from, addr, DefaultSandboxAddr)
	}
	token, secret := "sandbox-"+randomHex(16), randomHex(32)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return usageError("%s is in use (another atomic-mcp sandbox?): stop that, or choose another address with --addr 127.0.0.1:PORT (or ATOMIC_MCP_SANDBOX_ADDR)", addr)
	}
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: sandbox.New(sandbox.Options{Token: token}), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := "http://" + ln.Addr().String()
	w := env.Stdout
	fmt.Fprintf(w, "# A simulated Atomic API is serving on %s until Ctrl+C; its customers live only as long as it runs.\n", url)
	fmt.Fprintln(w, "# In another terminal, set these, then e.g. atomic-mcp call list_customers (no --sandbox):")
	for _, kv := range [][2]string{{"ATOMIC_API_URL", url}, {"ATOMIC_API_TOKEN", token}, {"ATOMIC_MCP_CONFIRM_SECRET", secret}} {
		fmt.Fprintln(w, exportLine(kv[0], kv[1]))
	}
	fmt.Fprintln(w, "# ATOMIC_MCP_CONFIRM_SECRET lets a confirmation token from one atomic-mcp call be redeemed by the next.")

	select {
	case err := <-served:
		return fmt.Errorf("sandbox: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// exportLine sets a variable in the user's shell: PowerShell on Windows.
func exportLine(name, value string) string {
	if runtime.GOOS == "windows" {
		return fmt.Sprintf("$env:%s = %q", name, value)
	}
	return "export " + name + "=" + shellQuote(value)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
