// Package resources exposes read-only views of the account as MCP
// resources: the service plans, and any one customer by id, as JSON. Both
// read through the shared API client, like the tools.
package resources

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// The resource addresses.
const (
	PlansURI         = "atomic://service-plans"
	CustomerTemplate = "atomic://customers/{customer_id}"
	customerPrefix   = "atomic://customers/"
)

// maxCompletions is the most values one completion answer may carry (MCP's
// limit).
const maxCompletions = 100

// API is what the resources read: the server passes the shared
// *atomicapi.Cached (a bare *atomicapi.Client provides it too).
type API interface {
	ListCustomers(ctx context.Context, name string) ([]atomicapi.Customer, error)
	ListServicePlans(ctx context.Context) ([]atomicapi.ServicePlan, error)
}

// Plans is the body of atomic://service-plans: the same shape as
// list_service_plans' structured result.
type Plans struct {
	Plans []atomicapi.ServicePlan `json:"plans"`
}

// Register adds the resources to s.
func Register(s *server.MCPServer, api API) {
	s.AddResource(mcp.NewResource(PlansURI, "service-plans",
		mcp.WithResourceTitle("Service plans"),
		mcp.WithResourceDescription("The service plans available to the reseller account (id, name, type, price and currency exactly as the Atomic API states them), as JSON."),
		mcp.WithMIMEType("application/json"),
	), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		plans, err := api.ListServicePlans(ctx)
		if err != nil {
			return nil, fmt.Errorf("read %s: %s", PlansURI, advice.Explain(err))
		}
		if plans == nil {
			plans = []atomicapi.ServicePlan{}
		}
		return jsonContents(PlansURI, Plans{Plans: plans})
	})

	s.AddResourceTemplate(mcp.NewResourceTemplate(CustomerTemplate, "customer",
		mcp.WithTemplateTitle("Customer"),
		mcp.WithTemplateDescription("One customer of the reseller account by customer_id, as JSON; deleted customers have a delete_date. Find ids with list_customers."),
		mcp.WithTemplateMIMEType("application/json"),
	), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		id, err := parseID(strings.TrimPrefix(req.Params.URI, customerPrefix))
		if err != nil {
			return nil, err
		}
		customers, err := api.ListCustomers(ctx, "")
		if err != nil {
			return nil, fmt.Errorf("read %s: %s", req.Params.URI, advice.Explain(err))
		}
		i := slices.IndexFunc(customers, func(c atomicapi.Customer) bool { return c.CustomerID == id })
		if i < 0 {
			return nil, fmt.Errorf("no customer has customer_id %d: find customer ids with list_customers", id)
		}
		return jsonContents(req.Params.URI, customers[i])
	})
}

var digits = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)

// parseID reads the customer_id of a customer URI strictly: "5", not "05",
// "+5" or "5.0", so that one customer has one address.
func parseID(s string) (int64, error) {
	if !digits.MatchString(s) {
		shown := s
		if len(shown) > 40 {
			shown = shown[:40] + "…"
		}
		return 0, fmt.Errorf("%q is not a customer_id: use the customer's number as list_customers shows it, e.g. %s5", shown, customerPrefix)
	}
	return strconv.ParseInt(s, 10, 64)
}

func jsonContents(uri string, v any) ([]mcp.ResourceContents, error) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(body)}}, nil
}

// Completions answers completion/complete for customer_id in the customer
// template.
func Completions(api API) server.ResourceCompletionProvider { return completer{api} }

type completer struct{ api API }

// CompleteResourceArgument offers customer ids. Digits match ids that start
// with them; anything else matches customer names, ignoring case, and
// offers those customers' ids, so that typing "redf" finds Redfern Print's
// id. Names that start with the text come before names that merely
// contain it.
func (c completer) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	if uri != CustomerTemplate || arg.Name != "customer_id" || c.api == nil {
		return &mcp.Completion{Values: []string{}}, nil
	}
	customers, err := c.api.ListCustomers(ctx, "")
	if err != nil {
		return nil, err
	}
	typed := strings.ToLower(strings.TrimSpace(arg.Value))
	numeric := typed == "" || strings.Trim(typed, "0123456789") == ""
	var first, second []string
	for _, cu := range customers {
		id := strconv.FormatInt(cu.CustomerID, 10)
		name := strings.ToLower(cu.CustomerName)
		switch {
		case numeric && strings.HasPrefix(id, typed):
			first = append(first, id)
		case !numeric && strings.HasPrefix(name, typed):
			first = append(first, id)
		case !numeric && strings.Contains(name, typed):
			second = append(second, id)
		}
	}
	all := append(first, second...)
	out := &mcp.Completion{Values: all[:min(len(all), maxCompletions)], Total: len(all), HasMore: len(all) > maxCompletions}
	if out.Values == nil {
		out.Values = []string{}
	}
	return out, nil
}
