package tools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/names"
	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// createLeaseTTL bounds how long one create holds its name: longer than the
// duplicate check and the POST can take together (the API client ends any
// call within 24 s), so a lease never lapses under a live create, and short
// enough that a crashed replica's lease frees the name soon.
const createLeaseTTL = 30 * time.Second

// stateStore is d.Store, or a process-local one: without it, even one
// process's concurrent calls would race.
func (d Deps) stateStore() store.Store {
	if d.Store != nil {
		return d.Store
	}
	return store.NewMemory()
}

// lockName makes the duplicate check and the create of one name a critical
// section: within this process and, with a shared store, across every
// replica. A second caller waits, then sees the first one's customer.
func lockName(ctx context.Context, s store.Store, name string) (unlock func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, createLeaseTTL)
	defer cancel()
	// By Base, not Key: "Harbour Plumbing" and "Harbour Plumbing Pty Ltd"
	// are likely duplicates, so their creates must not overlap either.
	return s.Lock(ctx, "create:"+names.Base(name), createLeaseTTL)
}

// stateStoreFailure explains a guard that could not be checked, briefly
// for the trail and in full for the caller.
func stateStoreFailure(tool, guard string, err error) (short string, res *mcp.CallToolResult) {
	var storeErr *store.Error
	switch {
	case errors.As(err, &storeErr):
		return "shared state store unavailable", mcp.NewToolResultError(fmt.Sprintf(
			"%s was not sent: %s needs the shared state store, which did not answer (%v). "+
				"Nothing was changed. Try again in a moment; if it persists, tell the server's operator that the store %s is down.",
			tool, guard, err, storeErr.Store))
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out waiting for a create of the same name", mcp.NewToolResultError(fmt.Sprintf(
			"%s was not sent: another create of a customer with this name was still running after %s. Check with list_customers, then try again.",
			tool, createLeaseTTL))
	case errors.Is(err, context.Canceled):
		return "cancelled", mcp.NewToolResultError(tool + ": cancelled; nothing was sent")
	}
	return "error", mcp.NewToolResultError(fmt.Sprintf("%s was not sent: %s failed: %v. Nothing was changed.", tool, guard, err))
}
