package prompts

import "fmt"

// Declaration is a prompt as an MCP Bundle manifest lists it: its name,
// description, argument names and a text with ${arguments.NAME}
// placeholders (MCPB MANIFEST.md, "Prompt Structure"). The server renders
// the real text at prompts/get; this one shows a host what it will ask.
type Declaration struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Arguments   []string `json:"arguments,omitempty"`
	Text        string   `json:"text"`
}

// placeholders fills each prompt's template for the manifest: a value the
// client supplies becomes ${arguments.NAME}; one the server computes at
// prompts/get (today's date) is described in words.
var placeholders = map[string]map[string]any{
	"onboard_customer": {
		"CustomerName": "${arguments.customer_name}",
		"Details":      "${arguments.details}",
		"Plan":         "${arguments.plan}",
	},
	"offboard_customer": {
		"Customer":   "${arguments.customer}",
		"CustomerID": "",
	},
	"account_overview": {
		"Today":      "the day of the request",
		"RecentDays": "${arguments.recent_days}",
		"Since":      "that many days ago",
	},
}

// Declarations lists every prompt, in the order they are offered, for a
// bundle manifest.
func Declarations() ([]Declaration, error) {
	out := make([]Declaration, 0, len(definitions))
	for _, p := range definitions {
		data, ok := placeholders[p.name]
		if !ok {
			return nil, fmt.Errorf("prompt %s has no manifest placeholders: add it to placeholders in prompts/manifest.go", p.name)
		}
		text, err := render(p.name+".md", data)
		if err != nil {
			return nil, err
		}
		out = append(out, Declaration{Name: p.name, Description: p.description, Arguments: p.argNames(), Text: text})
	}
	return out, nil
}
