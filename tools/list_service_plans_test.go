package tools

import (
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

func TestListServicePlans(t *testing.T) {
	h := newHarness(t)
	res := h.call(t, "list_service_plans", map[string]any{})
	out := ok[ListServicePlansOutput](t, "list_service_plans", res)
	want := []atomicapi.ServicePlan{
		{PlanID: 123, PlanName: "Acme Plan", Currency: "AUD", PlanType: "SIP Trunk", Price: "1.99"},
		{PlanID: 134, PlanName: "Test Plan", Currency: "AUD", PlanType: "SMS Plan", Price: "1.20"},
	}
	if !slices.Equal(out.Plans, want) {
		t.Errorf("plans = %+v, want %+v", out.Plans, want)
	}
	for _, s := range []string{"2 service plan(s)", `plan_id 134: "Test Plan" (SMS Plan), 1.20 AUD`} {
		if !strings.Contains(res.text(), s) {
			t.Errorf("text %q lacks %q", res.text(), s)
		}
	}
	if res := h.call(t, "list_service_plans", map[string]any{"type": "SIP"}); !res.IsError {
		t.Errorf("unknown argument accepted: %s", res.text())
	}
}

func TestNoPlansIsAnEmptyList(t *testing.T) {
	srv := server.NewMCPServer("t", "1", server.WithToolCapabilities(false), server.WithOutputSchemaValidation())
	if err := register(srv, Deps{API: stubAPI{}}, Options{}); err != nil {
		t.Fatal(err)
	}
	h := &harness{srv: srv}
	res := h.call(t, "list_service_plans", nil)
	out := ok[ListServicePlansOutput](t, "list_service_plans", res)
	if out.Plans == nil || len(out.Plans) != 0 || !strings.Contains(string(res.StructuredContent), `"plans":[]`) {
		t.Errorf("no plans: %s", res.StructuredContent)
	}
}
