package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"
)

// TestBusyAddressSaysHowToChooseAnother: a second `make run` (or anything
// else on the port) gets the way out, not just the kernel's words.
func TestBusyAddressSaysHowToChooseAnother(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	err = ServeHTTP(context.Background(), server.NewMCPServer("atomic-mcp", "test"), HTTPOptions{
		Transport: "http", Addr: addr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err == nil {
		t.Fatal("served on a busy address")
	}
	for _, want := range []string{"listen on " + addr, "already using this address", "--addr", "ATOMIC_MCP_ADDR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
