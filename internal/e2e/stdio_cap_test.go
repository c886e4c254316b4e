package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestStdioMessageCap: a 10 MB line on stdin gets a JSON-RPC error naming
// the limit, carrying the request's id, and the server goes on answering
// without having held the line in memory (it took the resident set to
// 190 MB before the cap).
func TestStdioMessageCap(t *testing.T) {
	t.Parallel()
	_, url := newSandbox(t)
	c := startRawSession(t, upstreamEnv(url))
	huge := fmt.Sprintf(`{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"list_customers","arguments":{"customer_name":"%s"}}}`,
		strings.Repeat("a", 10<<20))
	c.p.send(huge)
	c.p.awaitReplies(42)
	reply := c.p.reply(42)
	errObj, _ := reply["error"].(map[string]any)
	if errObj == nil || errObj["code"] != float64(-32600) || !strings.Contains(fmt.Sprint(errObj["message"]), "4 MiB") {
		t.Fatalf("reply to the oversized message = %v, want a -32600 error naming the 4 MiB limit", reply)
	}
	res, _ := c.call(t, "list_service_plans", nil)
	if res.IsError {
		t.Fatalf("list_service_plans after the oversized message: %v", res.Text)
	}
	if mib, ok := peakRSS(c.p.cmd.Process.Pid); ok && mib > rssAfterCapLimit() {
		t.Errorf("peak resident set %.0f MiB after a 10 MB line; want under %.0f MiB", mib, rssAfterCapLimit())
	}
	assertJSONRPCOnly(t, c.p)
}

// rssAfterCapLimit is well under what reading the line whole cost: the
// race detector's shadow memory multiplies every allocation.
func rssAfterCapLimit() float64 {
	if raceEnabled {
		return 150
	}
	return 60
}
