package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// ListServicePlansInput is empty: the endpoint takes no parameters.
type ListServicePlansInput struct{}

// ListServicePlansOutput lists the plans on offer.
type ListServicePlansOutput struct {
	Plans []atomicapi.ServicePlan `json:"plans" jsonschema_description:"The available service plans."`
}

func listServicePlans(d Deps) server.ServerTool {
	return define[ListServicePlansInput, ListServicePlansOutput](d, spec{
		name:  "list_service_plans",
		title: "List service plans",
		description: "List the service plans available to the reseller account: id, name, type (e.g. SIP Trunk, SMS Plan), " +
			"and price exactly as the Atomic API states it, with its currency. Use it to present plan choices when onboarding a customer.",
		hints: hints{readOnly: true, idempotent: true, openWorld: true},
	}, func(ctx context.Context, _ mcp.CallToolRequest, _ ListServicePlansInput) (*mcp.CallToolResult, error) {
		plans, err := d.API.ListServicePlans(ctx)
		if err != nil {
			return apiErrorResult("list service plans", err), nil
		}
		if plans == nil {
			plans = []atomicapi.ServicePlan{}
		}
		return mcp.NewToolResultStructured(ListServicePlansOutput{Plans: plans}, renderPlans(plans)), nil
	})
}
