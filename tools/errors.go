package tools

import (
	"context"
	"errors"
	"fmt"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/mark3labs/mcp-go/mcp"
)

// apiErrorResult turns a failed API call into a tool result the model can
// act on. The client's errors name the cause and never carry the token;
// this adds what the tool was doing and what to do about it.
func apiErrorResult(doing string, err error) *mcp.CallToolResult {
	if errors.Is(err, context.Canceled) {
		return mcp.NewToolResultError(fmt.Sprintf("%s: cancelled before the Atomic API answered; nothing more was done", doing))
	}
	return mcp.NewToolResultError(fmt.Sprintf("could not %s: %s", doing, advice.Explain(err)))
}
