package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

func TestFormats(t *testing.T) {
	token := atomicapi.NewToken("super-secret-token")
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			h := Handler(&buf, Options{Level: slog.LevelDebug, Format: format})
			log := slog.New(h)
			log.Info("tool call", "tool", "list_customers", "token", token)
			log.Debug("nested", slog.Group("cfg", "token", token))
			// Libraries that log through *log.Logger share the format.
			slog.NewLogLogger(h, slog.LevelError).Printf("mcp-go says %s", "hello")

			out := buf.String()
			if strings.Contains(out, "super-secret-token") {
				t.Fatalf("token leaked:\n%s", out)
			}
			if strings.Count(out, "[REDACTED]") != 2 {
				t.Errorf("want the token redacted twice:\n%s", out)
			}
			if strings.Contains(out, "\x1b[") {
				t.Errorf("colour codes written to a non-terminal:\n%q", out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 {
				t.Fatalf("want 3 lines, got %d:\n%s", len(lines), out)
			}
			if format == "json" {
				for _, line := range lines {
					var v map[string]any
					if err := json.Unmarshal([]byte(line), &v); err != nil {
						t.Errorf("not a JSON object: %q", line)
					}
				}
			}
		})
	}
}

func TestLevel(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, Options{Level: slog.LevelWarn, Format: "text"})
	log.Info("quiet")
	log.Warn("loud")
	if strings.Contains(buf.String(), "quiet") || !strings.Contains(buf.String(), "loud") {
		t.Fatalf("level not applied: %q", buf.String())
	}
}
