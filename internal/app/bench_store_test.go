package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/redistest"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// BenchmarkStoreWrites is what the shared store costs a create (lease,
// rate-budget turns, generation bump) and a confirmed delete (spend,
// rate-budget turns, bump): the same calls on the memory store and on a
// Redis on loopback, p50 reported per call. The difference is the store's.
//
//	go test -run '^$' -bench '^BenchmarkStoreWrites$' -benchtime 300x ./internal/app
func BenchmarkStoreWrites(b *testing.B) {
	redis := redistest.Start(b)
	for _, backend := range []struct{ name, url string }{{"memory", "memory"}, {"redis", redis.URL}} {
		b.Run(backend.name+"/create", func(b *testing.B) {
			c := benchClient(b, backend.url)
			var took []time.Duration
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				benchCall(b, c, "create_customer", map[string]any{"customer_name": fmt.Sprintf("Bench %d Pty Ltd", i),
					"nickname": "Bench", "addr_1": "1 George Street", "postcode": "2000", "country": "Australia"})
				took = append(took, time.Since(start))
			}
			reportP50(b, took)
		})
		b.Run(backend.name+"/delete", func(b *testing.B) {
			c := benchClient(b, backend.url)
			var took []time.Duration
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				created := benchCall(b, c, "create_customer", map[string]any{"customer_name": fmt.Sprintf("Bench %d Pty Ltd", i),
					"nickname": "Bench", "addr_1": "1 George Street", "postcode": "2000", "country": "Australia"})
				id := created["customer"].(map[string]any)["customer_id"]
				token := benchCall(b, c, "delete_customer", map[string]any{"customer_id": id})["confirmation_token"]
				b.StartTimer()
				start := time.Now()
				benchCall(b, c, "delete_customer", map[string]any{"customer_id": id, "confirmation_token": token})
				took = append(took, time.Since(start))
			}
			reportP50(b, took)
		})
	}
}

func benchClient(b *testing.B, store string) *client.Client {
	b.Helper()
	sb := sandbox.New(sandbox.Options{Token: apiToken, Empty: true})
	hs := httptest.NewServer(sb)
	b.Cleanup(hs.Close)
	// A rate the budget never makes anyone wait for: its turns are still
	// taken, so the Redis round trips are in the figure.
	a, err := New(context.Background(), config.Config{APIURL: hs.URL, APIToken: atomicapi.NewToken(apiToken), Store: store,
		RateLimit: 1e6, CustomersTTL: atomicapi.DefaultCustomersTTL, ConfirmSecret: []byte("bench secret of at least 32 characters!!")}, "bench", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	c, err := client.NewInProcessClient(a.Server)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	if err := c.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Initialize(context.Background(), mcp.InitializeRequest{}); err != nil {
		b.Fatal(err)
	}
	return c
}

func benchCall(b *testing.B, c *client.Client, name string, args map[string]any) map[string]any {
	b.Helper()
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.CallTool(context.Background(), req)
	if err != nil || res.IsError {
		b.Fatalf("%s: %v %+v", name, err, res)
	}
	out, _ := res.StructuredContent.(map[string]any)
	return out
}

func reportP50(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs/op")
}
