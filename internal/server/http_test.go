package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

func TestGuards(t *testing.T) {
	const token = "0123456789abcdef-token"
	tests := []struct {
		name       string
		allowed    []string
		auth       string
		origin     string
		authHeader string
		body       string
		wantStatus int
		wantReach  bool
	}{
		{name: "no origin, no auth configured", wantStatus: 200, wantReach: true},
		{name: "localhost origin", origin: "http://localhost:6274", wantStatus: 200, wantReach: true},
		{name: "127.0.0.1 origin", origin: "https://127.0.0.1", wantStatus: 200, wantReach: true},
		{name: "ipv6 loopback origin", origin: "http://[::1]:3000", wantStatus: 200, wantReach: true},
		{name: "foreign origin", origin: "http://evil.example", wantStatus: 403},
		{name: "lookalike origin", origin: "http://localhost.evil.example", wantStatus: 403},
		{name: "null origin", origin: "null", wantStatus: 403},
		{name: "foreign origin beats valid auth", auth: token, authHeader: "Bearer " + token, origin: "http://evil.example", wantStatus: 403},
		{name: "allowlist replaces default", allowed: []string{"https://chat.example.com"}, origin: "http://localhost:3000", wantStatus: 403},
		{name: "allowlist match", allowed: []string{"https://chat.example.com"}, origin: "https://chat.example.com", wantStatus: 200, wantReach: true},
		{name: "missing bearer", auth: token, wantStatus: 401},
		{name: "wrong bearer", auth: token, authHeader: "Bearer nope", wantStatus: 401},
		{name: "raw token without Bearer", auth: token, authHeader: token, wantStatus: 401},
		{name: "right bearer", auth: token, authHeader: "Bearer " + token, wantStatus: 200, wantReach: true},
		{name: "scheme is case-insensitive", auth: token, authHeader: "bearer " + token, wantStatus: 200, wantReach: true},
		{name: "basic scheme", auth: token, authHeader: "Basic " + token, wantStatus: 401},
		{name: "body over 1 MiB", body: strings.Repeat("x", maxRequestBody+1), wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reached := false
			inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				if _, err := io.ReadAll(r.Body); err != nil {
					http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
				}
			})
			var access *auth.ResourceServer
			if tt.auth != "" {
				access = auth.New(auth.Options{SharedToken: tt.auth})
			}
			h := guarded(tt.allowed, access, "/mcp", inner)
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tt.body))
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.authHeader != "" {
				req.Header.Set("Authorization", tt.authHeader)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if reached != tt.wantReach {
				t.Errorf("reached inner handler: %v, want %v", reached, tt.wantReach)
			}
			if rec.Code == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
			if strings.Contains(rec.Body.String(), token) {
				t.Errorf("response echoes the auth token")
			}
		})
	}
}

func TestHealthzNeedsNoAuth(t *testing.T) {
	s := New(Options{Version: "v-test", Logger: slog.New(slog.DiscardHandler)})
	for _, transport := range []string{"http", "sse"} {
		h, _ := Handler(s, HTTPOptions{Transport: transport, AuthToken: "0123456789abcdef-token", Version: "v-test", Logger: slog.New(slog.DiscardHandler)})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"ok"`) || strings.Contains(rec.Body.String(), "token") {
			t.Errorf("%s /healthz: %d %s", transport, rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		endpoint := map[string]string{"http": "/mcp", "sse": "/sse"}[transport]
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, endpoint, nil))
		if rec.Code != 401 {
			t.Errorf("%s %s without bearer: %d, want 401", transport, endpoint, rec.Code)
		}
	}
}
