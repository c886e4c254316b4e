// Command icon draws the MCP Bundle's icon (release.Icon) into
// internal/release/icon.png. Run it from the module root after changing the
// drawing: go run ./internal/release/cmd/icon
package main

import (
	"fmt"
	"os"

	"github.com/atomtelecom/atomic-mcp/internal/release"
)

func main() {
	png, err := release.EncodeIcon()
	if err == nil {
		err = os.WriteFile("internal/release/icon.png", png, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "icon:", err)
		os.Exit(1)
	}
}
