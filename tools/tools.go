// Package tools defines the MCP tools of atomic-mcp: list_customers,
// create_customer, delete_customer and list_service_plans. Each is declared
// once, as data, in its own file, and forwards to one shared API client.
package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomic"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
)

// API is what the tools need of the Atomic API; *atomic.Client provides it.
type API interface {
	ListCustomers(ctx context.Context, name string) ([]atomic.Customer, error)
	CreateCustomer(ctx context.Context, in atomic.NewCustomer) (*atomic.Customer, error)
	DeleteCustomer(ctx context.Context, id int64) (*atomic.Deletion, error)
	ListServicePlans(ctx context.Context) ([]atomic.ServicePlan, error)
}

// Deps are the parts every tool shares.
type Deps struct {
	API API
	// Confirmer mints and redeems delete confirmations.
	Confirmer *confirm.Confirmer
}

// Options narrow what is exposed.
type Options struct {
	// ReadOnly keeps only tools annotated read-only.
	ReadOnly bool
	// Only, when non-empty, keeps only the named tools.
	Only []string
}

// Names lists every tool name, in the order they are registered.
var Names = []string{"list_customers", "list_service_plans", "create_customer", "delete_customer"}

// All returns every tool definition.
func All(d Deps) []server.ServerTool {
	return []server.ServerTool{
		listCustomers(d),
		listServicePlans(d),
		createCustomer(d),
		deleteCustomer(d),
	}
}

// Select applies opts to All. An unknown name in opts.Only is an error, so a
// typo in a deployment's tool list cannot silently expose nothing.
func Select(d Deps, opts Options) ([]server.ServerTool, error) {
	for _, name := range opts.Only {
		if !slices.Contains(Names, name) {
			return nil, fmt.Errorf("unknown tool %q: the tools are %s", name, strings.Join(Names, ", "))
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

// Register adds the selected tools to s.
func Register(s *server.MCPServer, d Deps, opts Options) error {
	selected, err := Select(d, opts)
	if err != nil {
		return err
	}
	s.AddTools(selected...)
	return nil
}
