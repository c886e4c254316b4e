package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
)

// /metrics asks for the bearer token when one is configured, from every
// concurrent caller alike, and serves only GET /metrics.
func TestServeMetricsAuth(t *testing.T) {
	const token = "metrics-token-0123456789"
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "up 1\n") })
	for _, tt := range []struct {
		name, token, send string
		want              int
	}{
		{"no token configured", "", "", http.StatusOK},
		{"token missing", token, "", http.StatusUnauthorized},
		{"token wrong", token, "Bearer nope", http.StatusUnauthorized},
		{"token right", token, "Bearer " + token, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			addr, err := ServeMetrics(ctx, MetricsOptions{Addr: "127.0.0.1:0", AuthToken: tt.token, Handler: metrics, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/metrics", addr), nil)
					if tt.send != "" {
						req.Header.Set("Authorization", tt.send)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != tt.want {
						t.Errorf("GET /metrics: %d, want %d", resp.StatusCode, tt.want)
					}
				})
			}
			wg.Wait()
			resp, err := http.Get(fmt.Sprintf("http://%s/mcp", addr))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET /mcp on the metrics listener: %d, want 404", resp.StatusCode)
			}
		})
	}
}
