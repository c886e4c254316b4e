package e2e

// `atomic-mcp call` runs are processes of their own: a confirmation token
// spent by one must be refused by every other, through the file store in
// the user's state directory.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCallSpendsTokenAcrossRuns(t *testing.T) {
	t.Parallel()
	g := &gate{}
	up := newSharedUpstream(t, g.wrap)
	// The state directory is the default file store's: nothing selects it.
	env := append(upstreamEnv(up.url), "ATOMIC_MCP_CONFIRM_SECRET="+confirmSecret, "XDG_STATE_HOME="+t.TempDir())
	mint := func(id int) string {
		t.Helper()
		stdout, stderr, code := runOnce(t, env, "call", "delete_customer", fmt.Sprintf(`{"customer_id":%d}`, id))
		var out struct {
			Token string `json:"confirmation_token"`
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil || out.Token == "" {
			t.Fatalf("first call exited %d without a token:\n%s\n%s", code, stdout, stderr)
		}
		return out.Token
	}
	redeem := func(id int, token string) (string, int) {
		stdout, stderr, code := runOnce(t, env, "call", "delete_customer", fmt.Sprintf(`{"customer_id":%d,"confirmation_token":%q}`, id, token))
		return stdout + stderr, code
	}
	deletes := func(id int) int { return g.count(http.MethodDelete, fmt.Sprintf(`"customer_id":%d`, id)) }

	t.Run("one after the other, the first DELETE failing", func(t *testing.T) {
		const id = 5
		token := mint(id)
		g.failDeletes.Store(1)
		if out, code := redeem(id, token); code != 1 || !strings.Contains(out, "503") {
			t.Fatalf("first run with the token exited %d, want 1 with the 503:\n%s", code, out)
		}
		out, code := redeem(id, token)
		if code != 1 || !strings.Contains(out, "already used") {
			t.Fatalf("second run with the token exited %d, want 1 and already used:\n%s", code, out)
		}
		if n := deletes(id); n != 1 {
			t.Fatalf("%d DELETEs reached upstream for one token over two runs, want 1", n)
		}
	})

	t.Run("two runs at once", func(t *testing.T) {
		const id = 6
		token := mint(id)
		// Held long enough that both runs have looked the customer up
		// before either DELETE is answered.
		g.deleteDelay.Store(int64(time.Second))
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() { _, codes[i] = redeem(id, token) })
		}
		wg.Wait()
		if n := deletes(id); n != 1 || codes[0]+codes[1] != 1 {
			t.Fatalf("two concurrent runs with one token: %d DELETEs, exit codes %v; want 1 DELETE, one run 0 and one 1", n, codes)
		}
	})
}
