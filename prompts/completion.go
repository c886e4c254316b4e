package prompts

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// maxCompletions is the most values one completion answer may carry (MCP's
// limit).
const maxCompletions = 100

// Completions answers completion/complete for prompt arguments.
func Completions(d Deps) server.PromptCompletionProvider { return completer{d} }

type completer struct{ d Deps }

// CompletePromptArgument offers the values that match what has been typed.
// Prompts and arguments without completions get an empty answer, not an
// error: a client asks for every argument as the user types.
func (c completer) CompletePromptArgument(ctx context.Context, prompt string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	i := slices.IndexFunc(definitions, func(p definition) bool { return p.name == prompt })
	if i < 0 {
		return &mcp.Completion{Values: []string{}}, nil
	}
	j := slices.IndexFunc(definitions[i].args, func(a argument) bool { return a.name == arg.Name })
	if j < 0 || definitions[i].args[j].complete == nil {
		return &mcp.Completion{Values: []string{}}, nil
	}
	candidates, err := definitions[i].args[j].complete(ctx, c.d.API)
	if err != nil {
		return nil, err
	}
	return match(candidates, arg.Value), nil
}

// match picks the candidates that contain typed, ignoring case: those that
// start with it first, then the rest, each group in the candidates' order,
// without repeats, at most maxCompletions of them. Total and HasMore say how
// many matched in all.
func match(candidates []string, typed string) *mcp.Completion {
	needle := strings.ToLower(strings.TrimSpace(typed))
	var prefix, inside []string
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		switch hay := strings.ToLower(c); {
		case strings.HasPrefix(hay, needle):
			prefix = append(prefix, c)
		case strings.Contains(hay, needle):
			inside = append(inside, c)
		}
	}
	all := append(prefix, inside...)
	out := &mcp.Completion{Values: all[:min(len(all), maxCompletions)], Total: len(all), HasMore: len(all) > maxCompletions}
	if out.Values == nil {
		out.Values = []string{}
	}
	return out
}

// activeCustomerNames offers the customers that can still be offboarded.
func activeCustomerNames(ctx context.Context, api API) ([]string, error) {
	if api == nil {
		return nil, nil
	}
	customers, err := api.ListCustomers(ctx, "")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, c := range customers {
		if !c.Deleted() {
			names = append(names, c.CustomerName)
		}
	}
	return names, nil
}

func planNames(ctx context.Context, api API) ([]string, error) {
	if api == nil {
		return nil, nil
	}
	plans, err := api.ListServicePlans(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(plans))
	for i, p := range plans {
		names[i] = p.PlanName
	}
	return names, nil
}

// recentDays suggests the usual reporting windows.
func recentDays(context.Context, API) ([]string, error) {
	var out []string
	for _, n := range []int{7, 30, 90, 365} {
		out = append(out, strconv.Itoa(n))
	}
	return out, nil
}
