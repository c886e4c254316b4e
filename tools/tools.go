// Package tools defines the MCP tools of atomic-mcp: list_customers,
// create_customer, delete_customer and list_service_plans. Each is declared
// once, as data, in its own file, and forwards to one shared API client.
package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/approval"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// API is what the tools need of the Atomic API. The server passes the shared
// *atomicapi.Cached, so that every tool reads through one cache; a bare
// *atomicapi.Client provides it too.
type API interface {
	ListCustomers(ctx context.Context, name string) ([]atomicapi.Customer, error)
	// ListCustomersFresh bypasses any cache: writes decide on it.
	ListCustomersFresh(ctx context.Context, name string) ([]atomicapi.Customer, error)
	CreateCustomer(ctx context.Context, in atomicapi.NewCustomer) (*atomicapi.Customer, error)
	DeleteCustomer(ctx context.Context, id int64) (*atomicapi.Deletion, error)
	ListServicePlans(ctx context.Context) ([]atomicapi.ServicePlan, error)
}

// Deps are the parts every tool shares.
type Deps struct {
	API API
	// Confirmer mints and redeems delete confirmations.
	Confirmer *confirm.Confirmer
	// Audit, if set, receives a record of every create and delete attempt
	// before its result is returned.
	Audit Auditor
	// Mode is how deletes are confirmed (--confirm-mode); empty means auto.
	Mode confirm.Mode
	// Asker puts elicitation questions with a deadline; nil means the
	// default deadline with no bound on waiting questions.
	Asker *confirm.Asker
	// Approvals serves the browser approval pages; needed in browser mode.
	Approvals *approval.Service
	// Store holds the create leases shared with other processes; nil: a
	// store of this process alone.
	Store store.Store
}

func (d Deps) mode() confirm.Mode {
	if d.Mode == "" {
		return confirm.ModeAuto
	}
	return d.Mode
}

// defaultAsker serves Deps built without one (tests, the CLI).
var defaultAsker = confirm.NewAsker(confirm.DefaultElicitationTimeout, 0, nil)

func (d Deps) asker() *confirm.Asker {
	if d.Asker == nil {
		return defaultAsker
	}
	return d.Asker
}

// Auditor keeps the audit trail; *audit.Log is one.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// audited records e and returns res. When the trail cannot be written the
// caller gets an error result instead, saying what did happen: a result that
// claims success while its record is missing would hide the gap from the
// one person who can fix it.
func (d Deps) audited(ctx context.Context, e audit.Entry, res *mcp.CallToolResult) *mcp.CallToolResult {
	if d.Audit == nil {
		return res
	}
	if err := d.Audit.Record(ctx, e); err != nil {
		var done string
		switch e.Outcome {
		case audit.Created, audit.Deleted:
			done = fmt.Sprintf("The customer WAS %s (customer_id %d, %q): do not repeat the call. ", e.Outcome, e.CustomerID, e.CustomerName)
		case audit.Failed:
			done = "The request did not succeed either; check with list_customers before trying again. "
		default:
			done = "Nothing was created or deleted. "
		}
		return mcp.NewToolResultError(fmt.Sprintf("%s: the audit trail could not be written (%v). %sTell the server's operator to fix the audit log before any more changes.", e.Tool, err, done))
	}
	return res
}

// recordFirst writes e before an irreversible step; the step must not run
// if it fails.
func (d Deps) recordFirst(ctx context.Context, e audit.Entry) error {
	if d.Audit == nil {
		return nil
	}
	return d.Audit.Record(ctx, e)
}

// failureReason names why an API call failed, briefly, for the trail.
func failureReason(err error) string {
	var apiErr *atomicapi.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &apiErr) && apiErr.Kind != nil:
		return apiErr.Kind.Error()
	case errors.As(err, &apiErr):
		return "unexpected answer"
	default:
		return "error"
	}
}

// Options narrow what is exposed.
type Options struct {
	// ReadOnly keeps only tools annotated read-only.
	ReadOnly bool
	// Only, when non-empty, keeps only the named tools.
	Only []string
}

// declared is the one list of tools, in the order they are offered: a tool
// added here gets its name, its argument checks and refusal messages (from
// define), its audit lines and its place in tools/list and --tools.
var declared = []func(Deps) server.ServerTool{
	listCustomers,
	listServicePlans,
	createCustomer,
	deleteCustomer,
}

// Names lists every tool name, in the order they are offered. Computed on
// first use, not at start-up: it builds every definition.
var Names = sync.OnceValue(func() []string {
	var names []string
	for _, t := range Definitions() {
		names = append(names, t.Name)
	}
	return names
})

// Definitions returns every tool's definition (name, schemas, annotations)
// without building anything a call needs: enough to print or review them.
func Definitions() []mcp.Tool {
	var out []mcp.Tool
	for _, t := range All(Deps{}) {
		out = append(out, t.Tool)
	}
	return out
}

// All returns every tool, bound to d.
func All(d Deps) []server.ServerTool {
	out := make([]server.ServerTool, len(declared))
	for i, declare := range declared {
		out[i] = declare(d)
	}
	return out
}

// Select applies opts to All. An unknown name in opts.Only is an error, so a
// typo in a deployment's tool list cannot silently expose nothing.
func Select(d Deps, opts Options) ([]server.ServerTool, error) {
	for _, name := range opts.Only {
		if !slices.Contains(Names(), name) {
			return nil, fmt.Errorf("unknown tool %q: the tools are %s", name, strings.Join(Names(), ", "))
		}
	}
	var out []server.ServerTool
	for _, t := range All(d) {
		if opts.ReadOnly && (t.Tool.Annotations.ReadOnlyHint == nil || !*t.Tool.Annotations.ReadOnlyHint) {
			continue
		}
		if len(opts.Only) > 0 && !slices.Contains(opts.Only, t.Tool.Name) {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s leaves no tools with read-only on: add a list tool, or drop read-only", strings.Join(opts.Only, ", "))
	}
	return out, nil
}
