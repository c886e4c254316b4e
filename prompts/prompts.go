// Package prompts holds the prompts that walk an assistant through common
// journeys. The texts are templates in *.md files beside this one, so that
// people who do not write Go can edit them.
package prompts

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

//go:embed *.md
var texts embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").ParseFS(texts, "*.md"))

// maxArgLen bounds each argument; prompts are for people's words, not files.
const maxArgLen = 4000

// Register adds every prompt to s.
func Register(s *server.MCPServer) {
	s.AddPrompt(mcp.NewPrompt("onboard_customer",
		mcp.WithPromptTitle("Onboard a customer"),
		mcp.WithPromptDescription("Step-by-step onboarding of a new customer: gather and check the details, look for an existing customer, choose a plan, get the user's approval, create it."),
		mcp.WithArgument("customer_name", mcp.RequiredArgument(), mcp.ArgumentDescription("The new customer's name, e.g. Harbour Plumbing.")),
		mcp.WithArgument("details", mcp.ArgumentDescription("Anything already known, in free text: address, postcode, ABN, website, preferred plan.")),
	), onboardCustomer)
}

func onboardCustomer(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	name := strings.TrimSpace(req.Params.Arguments["customer_name"])
	if name == "" {
		return nil, fmt.Errorf("onboard_customer needs customer_name: the new customer's name")
	}
	details := strings.TrimSpace(req.Params.Arguments["details"])
	if len(name) > maxArgLen || len(details) > maxArgLen {
		return nil, fmt.Errorf("onboard_customer: arguments are limited to %d characters each", maxArgLen)
	}
	text, err := render("onboard_customer.md", map[string]string{"CustomerName": name, "Details": details})
	if err != nil {
		return nil, err
	}
	return mcp.NewGetPromptResult("Onboard "+name,
		[]mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}), nil
}

func render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", name, err)
	}
	return b.String(), nil
}
