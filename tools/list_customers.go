package tools

import (
	"context"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// ListCustomersInput mirrors GET /api/atomic/customer/list, plus paging and
// deleted-customer handling that the API leaves to the caller.
type ListCustomersInput struct {
	CustomerName   string `json:"customer_name,omitempty" jsonschema:"maxLength=255" jsonschema_description:"Part of the customer name to search for, matched by the Atomic API (partial names work). Leave out to list every customer."`
	Limit          *int   `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500,default=50" jsonschema_description:"Most customers to return (1 to 500; default 50)."`
	Offset         int    `json:"offset,omitempty" jsonschema:"minimum=0,default=0" jsonschema_description:"Customers to skip: pass the previous answer's next_offset to get the next page."`
	IncludeDeleted bool   `json:"include_deleted,omitempty" jsonschema:"default=false" jsonschema_description:"Also list deleted customers (those with a delete_date). Default false: they are hidden and counted in deleted_hidden."`
}

// ListCustomersOutput is one page of matching customers.
type ListCustomersOutput struct {
	Customers     []atomicapi.Customer `json:"customers" jsonschema_description:"This page of customers, in the API's order."`
	Total         int                  `json:"total" jsonschema_description:"How many customers match, across all pages."`
	Returned      int                  `json:"returned" jsonschema_description:"How many customers this page holds."`
	Offset        int                  `json:"offset" jsonschema_description:"Where this page starts."`
	NextOffset    *int                 `json:"next_offset" jsonschema:"oneof_type=integer;null" jsonschema_description:"Offset of the next page, or null when this is the last page."`
	DeletedHidden int                  `json:"deleted_hidden" jsonschema_description:"Deleted customers left out because include_deleted was false."`
}

const defaultListLimit = 50

func listCustomers(d Deps) server.ServerTool {
	return define[ListCustomersInput, ListCustomersOutput](d, spec{
		name:  "list_customers",
		title: "List customers",
		description: "List the sub-customers of the Atom Telecom reseller account, optionally filtered by a partial name. " +
			"Answers one page at a time (50 by default); follow next_offset for more. Deleted customers are hidden unless include_deleted is true. " +
			"Use it to find a customer's customer_id and to check whether a customer already exists before creating one.",
		hints: hints{readOnly: true, idempotent: true, openWorld: true},
	}, func(ctx context.Context, _ mcp.CallToolRequest, in ListCustomersInput) (*mcp.CallToolResult, error) {
		limit := defaultListLimit
		if in.Limit != nil {
			limit = *in.Limit
		}
		filter := strings.TrimSpace(in.CustomerName)
		all, err := d.API.ListCustomers(ctx, filter)
		if err != nil {
			return apiErrorResult("list customers", err), nil
		}
		out := pageCustomers(all, in.IncludeDeleted, in.Offset, limit)
		return mcp.NewToolResultStructured(out, renderCustomerPage(out, filter)), nil
	})
}

func (in ListCustomersInput) check() problems {
	var p problems
	checkText(&p, "customer_name", strings.TrimSpace(in.CustomerName), 255)
	if in.Limit != nil && (*in.Limit < 1 || *in.Limit > 500) {
		p.add("limit", "is %d; give a number from 1 to 500, or leave it out for %d", *in.Limit, defaultListLimit)
	}
	if in.Offset < 0 {
		p.add("offset", "is %d; give 0 or more (the previous answer's next_offset)", in.Offset)
	}
	return p
}

// pageCustomers filters and slices without copying the whole account: the
// answer's cost follows the page size, not the account size.
func pageCustomers(all []atomicapi.Customer, includeDeleted bool, offset, limit int) ListCustomersOutput {
	out := ListCustomersOutput{Offset: offset, Customers: make([]atomicapi.Customer, 0, min(limit, len(all)))}
	for _, c := range all {
		if !includeDeleted && c.Deleted() {
			out.DeletedHidden++
			continue
		}
		if out.Total >= offset && len(out.Customers) < limit {
			out.Customers = append(out.Customers, c)
		}
		out.Total++
	}
	out.Returned = len(out.Customers)
	if next := offset + out.Returned; out.Returned > 0 && next < out.Total {
		out.NextOffset = &next
	}
	return out
}
