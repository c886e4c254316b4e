package config

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// sentToken is the Authorization an API upstream receives from a client
// holding tok: the token is readable nowhere else.
func sentToken(t *testing.T, tok atomicapi.Token) string {
	t.Helper()
	got := make(chan string, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Get("Authorization"):
		default:
		}
		_, _ = io.WriteString(w, `{"data":[]}`)
	}))
	defer up.Close()
	c, err := atomicapi.New(atomicapi.Options{BaseURL: up.URL, Token: tok, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.ListServicePlans(context.Background())
	return <-got
}

func TestParse(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // substring of the one-line error; "" for success
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults with token", env: map[string]string{"ATOMIC_API_TOKEN": "abc"}, check: func(t *testing.T, c Config) {
			if c.Transport != "stdio" || c.APIURL != "https://atvoice-api.atomtelecom.com.au" || c.LogLevel != slog.LevelInfo || c.LogFormat != "text" || c.ReadOnly || c.Sandbox {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{name: "missing token", wantErr: "ATOMIC_API_TOKEN is not set: copy it from the Atomic portal (Account Settings > General Settings > Profile Settings), or run with --sandbox"},
		{name: "sandbox needs no token", args: []string{"--sandbox"}, check: func(t *testing.T, c Config) {
			if !c.Sandbox {
				t.Error("sandbox off")
			}
		}},
		{name: "sandbox from env", env: map[string]string{"ATOMIC_MCP_SANDBOX": "1"}, check: func(t *testing.T, c Config) {
			if !c.Sandbox {
				t.Error("sandbox off")
			}
		}},
		{name: "flag beats env", args: []string{"--read-only=false", "--log-level", "debug"}, env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_READ_ONLY": "1", "ATOMIC_MCP_LOG_LEVEL": "error"}, check: func(t *testing.T, c Config) {
			if c.ReadOnly || c.LogLevel != slog.LevelDebug {
				t.Errorf("flags did not win: %+v", c)
			}
		}},
		{name: "env read-only", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_READ_ONLY": "true"}, check: func(t *testing.T, c Config) {
			if !c.ReadOnly {
				t.Error("read-only off")
			}
		}},
		{name: "bad bool env", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_READ_ONLY": "maybe"}, wantErr: "ATOMIC_MCP_READ_ONLY=\"maybe\" is not a yes/no value"},
		{name: "unknown transport", args: []string{"--transport", "carrier-pigeon"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--transport \"carrier-pigeon\" is not a supported transport"},
		{name: "unknown transport from env", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_TRANSPORT": "smoke"}, wantErr: "ATOMIC_MCP_TRANSPORT=\"smoke\" is not a supported transport"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--log-level \"loud\" is not a log level"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--log-format \"xml\" is not a log format"},
		{name: "bad api url", args: []string{"--api-url", "ftp://x"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--api-url \"ftp://x\" is not a URL"},
		{name: "token on argv refused", args: []string{"--api-token=hunter2"}, wantErr: "--api-token is not accepted"},
		{name: "token on argv refused, single dash", args: []string{"-api-token", "hunter2"}, wantErr: "--api-token is not accepted"},
		{name: "token file", args: []string{"--api-token-file", tokenFile}, env: map[string]string{"ATOMIC_API_TOKEN": "from-env"}, check: func(t *testing.T, c Config) {
			if got := sentToken(t, c.APIToken); got != "from-file" {
				t.Error("token file did not win over env")
			}
		}},
		{name: "token file missing", args: []string{"--api-token-file", "/nonexistent/x"}, wantErr: "--api-token-file: /nonexistent/x"},
		{name: "token file empty", args: []string{"--api-token-file", emptyFile}, wantErr: "is empty"},
		{name: "token with whitespace", env: map[string]string{"ATOMIC_API_TOKEN": "abc def"}, wantErr: "contains whitespace"},
		{name: "token with a Bearer prefix", env: map[string]string{"ATOMIC_API_TOKEN": "Bearer abc"}, wantErr: `starts with "Bearer "`},
		{name: "short confirm secret", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_CONFIRM_SECRET": "short"}, wantErr: "ATOMIC_MCP_CONFIRM_SECRET is too short"},
		{name: "stray argument", args: []string{"serve"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "unexpected argument \"serve\""},
		{name: "unknown flag", args: []string{"--nope"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "unknown flag --nope (atomic-mcp --help lists the flags)"},
		{name: "flag typo suggests", args: []string{"--sandbx"}, wantErr: "unknown flag --sandbx; did you mean --sandbox? (atomic-mcp --help lists the flags)"},
		{name: "env transport upper case", env: map[string]string{"ATOMIC_MCP_SANDBOX": "1", "ATOMIC_MCP_TRANSPORT": "HTTP"}, check: func(t *testing.T, c Config) {
			if c.Transport != "http" {
				t.Errorf("transport %q", c.Transport)
			}
		}},
		{name: "bad env api url names the variable", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_API_URL": "ftp://x"}, wantErr: "ATOMIC_API_URL=\"ftp://x\" is not a URL"},
		{name: "bad env log level names the variable", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_LOG_LEVEL": "loud"}, wantErr: "ATOMIC_MCP_LOG_LEVEL=\"loud\" is not a log level"},
		{name: "placeholder token refused", env: map[string]string{"ATOMIC_API_TOKEN": "paste-your-atomic-api-token-here"}, wantErr: "ATOMIC_API_TOKEN is still the placeholder"},
		{name: "encrypted token refused", env: map[string]string{"ATOMIC_API_TOKEN": "__encrypted__:AbC=="}, wantErr: "ATOMIC_API_TOKEN holds an encrypted value"},
		{name: "unsubstituted token refused", env: map[string]string{"ATOMIC_API_TOKEN": "${user_config.api_token}"}, wantErr: "ATOMIC_API_TOKEN holds an unsubstituted variable (${user_config.api_token})"},
		{name: "http defaults to loopback", args: []string{"--transport", "http"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, check: func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:8080" || c.AuthToken != "" || c.AllowedOrigins != nil || c.Stateless {
				t.Errorf("http defaults: %+v", c)
			}
		}},
		{name: "non-loopback without auth refused", args: []string{"--transport", "http", "--addr", "0.0.0.0:8080"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "refusing to listen on 0.0.0.0:8080 without authentication: set ATOMIC_MCP_AUTH_TOKEN"},
		{name: "all interfaces without auth refused", args: []string{"--transport", "sse", "--addr", ":8080"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "refusing to listen on :8080"},
		{name: "non-loopback with auth", args: []string{"--transport", "http", "--addr", "0.0.0.0:8080"}, env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_AUTH_TOKEN": "0123456789abcdef0123"}, check: func(t *testing.T, c Config) {
			if c.AuthToken != "0123456789abcdef0123" {
				t.Errorf("auth token: %q", c.AuthToken)
			}
		}},
		{name: "short auth token", args: []string{"--transport", "http"}, env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_AUTH_TOKEN": "short"}, wantErr: "ATOMIC_MCP_AUTH_TOKEN is too short"},
		{name: "auth token on argv refused", args: []string{"--auth-token", "hunter2"}, wantErr: "--auth-token is not accepted"},
		{name: "bad addr", args: []string{"--transport", "http", "--addr", "8080"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "listen address \"8080\" is not HOST:PORT"},
		{name: "origins", args: []string{"--transport", "http", "--allowed-origins", "https://chat.example.com, http://localhost:3000/"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, check: func(t *testing.T, c Config) {
			if len(c.AllowedOrigins) != 2 || c.AllowedOrigins[0] != "https://chat.example.com" || c.AllowedOrigins[1] != "http://localhost:3000" {
				t.Errorf("origins: %q", c.AllowedOrigins)
			}
		}},
		{name: "bad origin", args: []string{"--transport", "http", "--allowed-origins", "chat.example.com"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "allowed origin \"chat.example.com\" is not an origin"},
		{name: "stateless needs http", args: []string{"--stateless"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--stateless applies to streamable HTTP only"},
		{name: "stateless from env", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_TRANSPORT": "http", "ATOMIC_MCP_STATELESS": "yes"}, check: func(t *testing.T, c Config) {
			if !c.Stateless {
				t.Error("stateless off")
			}
		}},
		{name: "tools list", args: []string{"--tools", "list_customers, list_service_plans"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, check: func(t *testing.T, c Config) {
			if len(c.Tools) != 2 || c.Tools[1] != "list_service_plans" {
				t.Errorf("tools: %q", c.Tools)
			}
		}},
		{name: "economy defaults", env: map[string]string{"ATOMIC_API_TOKEN": "a"}, check: func(t *testing.T, c Config) {
			if c.RateLimit != 10 || c.PlansTTL != 5*time.Minute || c.CustomersTTL != 10*time.Second {
				t.Errorf("economy defaults: rate %v plans %v customers %v", c.RateLimit, c.PlansTTL, c.CustomersTTL)
			}
		}},
		{name: "economy from flags and env", args: []string{"--rate-limit", "-1", "--plans-ttl", "0"}, env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_CUSTOMERS_TTL": "1m", "ATOMIC_MCP_RATE_LIMIT": "5"}, check: func(t *testing.T, c Config) {
			if c.RateLimit != -1 || c.PlansTTL != 0 || c.CustomersTTL != time.Minute {
				t.Errorf("economy: rate %v plans %v customers %v", c.RateLimit, c.PlansTTL, c.CustomersTTL)
			}
		}},
		{name: "zero rate refused", args: []string{"--rate-limit", "0"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--rate-limit \"0\" is not a rate limit"},
		{name: "bad rate refused", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_RATE_LIMIT": "fast"}, wantErr: "ATOMIC_MCP_RATE_LIMIT=\"fast\" is not a rate limit"},
		{name: "negative ttl refused", args: []string{"--customers-ttl", "-5s"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--customers-ttl \"-5s\" is not a duration"},
		{name: "ttl without unit refused", args: []string{"--plans-ttl", "300"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, wantErr: "--plans-ttl \"300\""},
		{name: "api timeout", args: []string{"--api-timeout", "2s"}, env: map[string]string{"ATOMIC_API_TOKEN": "a"}, check: func(t *testing.T, c Config) {
			if c.APITimeout != 2*time.Second {
				t.Errorf("api timeout %v", c.APITimeout)
			}
		}},
		{name: "api timeout beyond the call deadline", env: map[string]string{"ATOMIC_API_TOKEN": "a", "ATOMIC_MCP_API_TIMEOUT": "1m"}, wantErr: "ATOMIC_MCP_API_TIMEOUT=\"1m\" is not a timeout"},
		{name: "version needs no token", args: []string{"--version"}, check: func(t *testing.T, c Config) {
			if !c.ShowVersion {
				t.Error("ShowVersion off")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				var cfgErr *Error
				if !errors.As(err, &cfgErr) {
					t.Fatalf("want *config.Error containing %q, got %v", tt.wantErr, err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %q: want one line containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error echoes the secret: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestHelp(t *testing.T) {
	var out strings.Builder
	_, err := Parse([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("want ErrHelp, got %v", err)
	}
	for _, want := range []string{"--sandbox", "--read-only", "ATOMIC_API_TOKEN", "--api-token-file"} {
		if !strings.Contains(out.String(), strings.TrimPrefix(want, "-")) {
			t.Errorf("usage lacks %q", want)
		}
	}
}
