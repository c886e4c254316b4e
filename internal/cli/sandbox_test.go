package cli

import (
	"net"
	"strings"
	"testing"
)

func TestSandboxRefuses(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"busy port", nil, []string{"sandbox", "--addr", busy.Addr().String()}, "is in use (another atomic-mcp sandbox?): stop that, or choose another address with --addr"},
		{"busy port from env", map[string]string{"ATOMIC_MCP_SANDBOX_ADDR": busy.Addr().String()}, []string{"sandbox"}, "is in use"},
		{"not an address", nil, []string{"sandbox", "--addr=8089"}, `--addr "8089" is not HOST:PORT`},
		{"stray argument", nil, []string{"sandbox", "now"}, "takes no other arguments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(t, c.env, "", c.args...)
			if !isUsage(err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want a usage error with %q", err, c.want)
			}
		})
	}
}
