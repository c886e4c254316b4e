// Package prompts holds the prompts that walk an assistant through common
// journeys — onboarding, offboarding, an account overview — and the
// completions for their arguments. The texts are templates in *.md files
// beside this one, so that people who do not write Go can edit them; this
// file declares each prompt's arguments and the tools its text relies on.
package prompts

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

//go:embed *.md
var texts embed.FS

// templates are parsed when a prompt is first asked for, not at start-up.
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Option("missingkey=error").ParseFS(texts, "*.md"))
})

// maxArgLen bounds each argument; prompts are for people's words, not files.
const maxArgLen = 4000

// API is what completions read: the server passes the shared
// *atomicapi.Cached (a bare *atomicapi.Client provides it too).
type API interface {
	ListCustomers(ctx context.Context, name string) ([]atomicapi.Customer, error)
	ListServicePlans(ctx context.Context) ([]atomicapi.ServicePlan, error)
}

// Deps are what the prompts need.
type Deps struct {
	// API answers completions; nil offers none.
	API API
	// Tools names the registered tools. A prompt is offered only when every
	// tool its text relies on is registered, so that a read-only server
	// does not offer a journey it cannot finish. Nil means all tools.
	Tools []string
	// Now is the clock behind "recent" in account_overview; nil means
	// time.Now.
	Now func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// argument is one prompt argument. complete, when set, offers values for it.
type argument struct {
	name, description string
	required          bool
	complete          func(ctx context.Context, api API) ([]string, error)
}

// definition declares a prompt once, as data.
type definition struct {
	name, title, description string
	args                     []argument
	// uses are the tools the text tells the assistant to call.
	uses   []string
	render func(d Deps, args map[string]string) (description, text string, err error)
}

// definitions lists every prompt, in the order they are offered.
var definitions = []definition{
	{
		name:        "onboard_customer",
		title:       "Onboard a customer",
		description: "Step-by-step onboarding of a new customer: gather and check the details, look for an existing customer, choose a plan, get the user's approval, create it, report the new customer_id and account number.",
		args: []argument{
			// No completion for the new name: offering existing customers'
			// names while typing a new one invites duplicates.
			{name: "customer_name", required: true, description: "The new customer's name, e.g. Harbour Plumbing."},
			{name: "details", description: "Anything already known, in free text: address, postcode, ABN, website."},
			{name: "plan", description: "The service plan the customer wants, if known.", complete: planNames},
		},
		uses:   []string{"list_customers", "list_service_plans", "create_customer"},
		render: renderOnboard,
	},
	{
		name:        "offboard_customer",
		title:       "Offboard a customer",
		description: "Find a customer by name or customer_id, show it, get the user's explicit approval, delete it through delete_customer's confirmation, and report the outcome.",
		args: []argument{
			{name: "customer", required: true, description: "The customer's name (or part of it) or its customer_id.", complete: activeCustomerNames},
		},
		uses:   []string{"list_customers", "delete_customer"},
		render: renderOffboard,
	},
	{
		name:        "account_overview",
		title:       "Account overview",
		description: "Summarise the account: how many customers are active and deleted, which were created or deleted recently, and the available service plans.",
		args: []argument{
			{name: "recent_days", description: "How many days count as recent (1 to 3650; default 30).", complete: recentDays},
		},
		uses:   []string{"list_customers", "list_service_plans"},
		render: renderOverview,
	},
}

// Names lists the prompts, in the order they are offered.
func Names() []string {
	names := make([]string, len(definitions))
	for i, p := range definitions {
		names[i] = p.name
	}
	return names
}

// Register adds to s every prompt whose tools are all registered.
func Register(s *server.MCPServer, d Deps) {
	for _, p := range definitions {
		if !p.available(d.Tools) {
			continue
		}
		opts := []mcp.PromptOption{mcp.WithPromptTitle(p.title), mcp.WithPromptDescription(p.description)}
		for _, a := range p.args {
			argOpts := []mcp.ArgumentOption{mcp.ArgumentDescription(a.description)}
			if a.required {
				argOpts = append(argOpts, mcp.RequiredArgument())
			}
			opts = append(opts, mcp.WithArgument(a.name, argOpts...))
		}
		s.AddPrompt(mcp.NewPrompt(p.name, opts...), p.handler(d))
	}
}

func (p definition) available(tools []string) bool {
	if tools == nil {
		return true
	}
	for _, t := range p.uses {
		if !slices.Contains(tools, t) {
			return false
		}
	}
	return true
}

func (p definition) handler(d Deps) server.PromptHandlerFunc {
	return func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		args := map[string]string{}
		for _, a := range p.args {
			v := strings.TrimSpace(req.Params.Arguments[a.name])
			if a.required && v == "" {
				return nil, fmt.Errorf("%s needs %s: %s", p.name, a.name, strings.ToLower(a.description[:1])+a.description[1:])
			}
			if len(v) > maxArgLen {
				return nil, fmt.Errorf("%s: %s is longer than %d characters; shorten it", p.name, a.name, maxArgLen)
			}
			args[a.name] = v
		}
		for name := range req.Params.Arguments {
			if !slices.ContainsFunc(p.args, func(a argument) bool { return a.name == name }) {
				return nil, fmt.Errorf("%s has no argument %q; its arguments are %s", p.name, name, strings.Join(p.argNames(), ", "))
			}
		}
		description, text, err := p.render(d, args)
		if err != nil {
			return nil, err
		}
		return mcp.NewGetPromptResult(description,
			[]mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}), nil
	}
}

func (p definition) argNames() []string {
	names := make([]string, len(p.args))
	for i, a := range p.args {
		names[i] = a.name
	}
	return names
}

func renderOnboard(_ Deps, args map[string]string) (string, string, error) {
	text, err := render("onboard_customer.md", map[string]string{
		"CustomerName": inline(args["customer_name"]),
		"Details":      asData(args["details"], "details"),
		"Plan":         asData(args["plan"], "plan"),
	})
	return "Onboard " + inline(args["customer_name"]), text, err
}

var customerID = regexp.MustCompile(`^#?([1-9][0-9]{0,17})$`)

func renderOffboard(_ Deps, args map[string]string) (string, string, error) {
	customer := args["customer"]
	data := map[string]string{"Customer": asData(customer, "customer"), "CustomerID": ""}
	if m := customerID.FindStringSubmatch(customer); m != nil {
		data["CustomerID"] = m[1]
	}
	text, err := render("offboard_customer.md", data)
	return "Offboard " + inline(customer), text, err
}

const defaultRecentDays = 30

func renderOverview(d Deps, args map[string]string) (string, string, error) {
	days := defaultRecentDays
	if v := args["recent_days"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return "", "", fmt.Errorf("account_overview: recent_days %q is not a number of days: give a whole number from 1 to 3650, or leave it out for %d", inline(v), defaultRecentDays)
		}
		days = n
	}
	today := d.now().UTC()
	text, err := render("account_overview.md", map[string]any{
		"Today":      today.Format(time.DateOnly),
		"Since":      today.AddDate(0, 0, -days).Format(time.DateOnly),
		"RecentDays": days,
	})
	return "Account overview", text, err
}

func render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := templates().ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", name, err)
	}
	return b.String(), nil
}

// inline makes a value safe inside one quoted line of prompt text: line
// breaks and quotes cannot start a new instruction or close the quote.
func inline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`"`, `'`, "`", "'").Replace(s)
}

// asData prepares free text for a <tag>…</tag> block: a closing tag inside
// it would end the block early and let the rest read as instructions.
func asData(s, tag string) string {
	closing := regexp.MustCompile(`(?i)<\s*/\s*` + regexp.QuoteMeta(tag) + `\s*>`)
	return closing.ReplaceAllString(s, "[/"+tag+"]")
}
