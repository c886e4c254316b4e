package install

import (
	"encoding/json"
	"testing"

	"github.com/tailscale/hujson"
)

// TestSetAndRemoveKeepTheRest: an entry set and then removed gives back the
// document byte for byte, whatever its layout; what the edit leaves is
// valid (JSONC where the input was) and holds the entry.
func TestSetAndRemoveKeepTheRest(t *testing.T) {
	entry := map[string]any{"command": "/bin/atomic-mcp", "args": []string{"--sandbox"}}
	for _, c := range []struct{ name, src, want string }{
		{"two-space indent, another server", `{
  "mcpServers": {
    "other": {
      "command": "x"
    }
  }
}
`, `{
  "mcpServers": {
    "other": {
      "command": "x"
    },
    "atomic": {
      "args": [
        "--sandbox"
      ],
      "command": "/bin/atomic-mcp"
    }
  }
}
`},
		{"four-space indent, other keys first", "{\n    \"theme\": \"dark\",\n    \"mcpServers\": {\n        \"a\": {\"command\": \"a\"}\n    },\n    \"z\": 1\n}", "{\n    \"theme\": \"dark\",\n    \"mcpServers\": {\n        \"a\": {\"command\": \"a\"},\n        \"atomic\": {\n            \"args\": [\n                \"--sandbox\"\n            ],\n            \"command\": \"/bin/atomic-mcp\"\n        }\n    },\n    \"z\": 1\n}"},
		{"compact", `{"mcpServers":{"a":{"command":"a"}}}`, `{"mcpServers":{"a":{"command":"a"},"atomic":{"args":["--sandbox"],"command":"/bin/atomic-mcp"}}}`},
		{"JSONC with comments and a trailing comma", "{\n  // mine\n  \"mcpServers\": {\n    \"a\": {\"command\": \"a\"}, // keep\n  },\n}\n", "{\n  // mine\n  \"mcpServers\": {\n    \"a\": {\"command\": \"a\"},\n    \"atomic\": {\n      \"args\": [\n        \"--sandbox\"\n      ],\n      \"command\": \"/bin/atomic-mcp\"\n    }, // keep\n  },\n}\n"},
		{"no servers key", "{\n  \"theme\": \"dark\"\n}\n", "{\n  \"theme\": \"dark\",\n  \"mcpServers\": {\n    \"atomic\": {\n      \"args\": [\n        \"--sandbox\"\n      ],\n      \"command\": \"/bin/atomic-mcp\"\n    }\n  }\n}\n"},
		{"empty servers", "{\n  \"mcpServers\": {}\n}\n", "{\n  \"mcpServers\": {\n    \"atomic\": {\n      \"args\": [\n        \"--sandbox\"\n      ],\n      \"command\": \"/bin/atomic-mcp\"\n    }\n  }\n}\n"},
		{"blank file", "\n", "{\n  \"mcpServers\": {\n    \"atomic\": {\n      \"args\": [\n        \"--sandbox\"\n      ],\n      \"command\": \"/bin/atomic-mcp\"\n    }\n  }\n}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := set([]byte(c.src), []string{"mcpServers"}, "atomic", entry)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != c.want {
				t.Errorf("set:\n%s\nwant:\n%s", out, c.want)
			}
			if _, err := hujson.Parse(out); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
			got, err := lookup(out, "mcpServers", "atomic")
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(got, &back); err != nil || back["command"] != "/bin/atomic-mcp" {
				t.Errorf("lookup after set: %s %v", got, err)
			}
			again, err := set(out, []string{"mcpServers"}, "atomic", entry)
			if err != nil || string(again) != string(out) {
				t.Errorf("setting the same entry again changed the document:\n%s", again)
			}
			removed, ok, err := remove(out, []string{"mcpServers"}, "atomic")
			if err != nil || !ok {
				t.Fatalf("remove: %v %v", ok, err)
			}
			switch c.name {
			case "no servers key", "empty servers", "blank file":
				// The servers object stays, empty.
				if v, _ := lookup(removed, "mcpServers"); string(v) != "{}" {
					t.Errorf("after remove: %s", removed)
				}
			default:
				if string(removed) != c.src {
					t.Errorf("remove did not give back the original:\n%s\nwant:\n%s", removed, c.src)
				}
			}
		})
	}
}

func TestAppendElement(t *testing.T) {
	in := map[string]any{"id": "atomic-api-token", "type": "promptString"}
	has := func(raw json.RawMessage) bool {
		var v struct{ ID string }
		return json.Unmarshal(raw, &v) == nil && v.ID == "atomic-api-token"
	}
	for _, src := range []string{
		"{\n  \"servers\": {},\n  \"inputs\": [\n    {\"id\": \"other\"}\n  ]\n}\n",
		"{\n  \"servers\": {},\n  \"inputs\": []\n}\n",
		"{\n  \"servers\": {}\n}\n",
	} {
		out, changed, err := appendElement([]byte(src), "inputs", in, has)
		if err != nil || !changed {
			t.Fatalf("%v %v", changed, err)
		}
		if _, err := hujson.Parse(out); err != nil {
			t.Fatalf("does not parse: %v\n%s", err, out)
		}
		if again, changed, _ := appendElement(out, "inputs", in, has); changed || string(again) != string(out) {
			t.Errorf("appended twice:\n%s", again)
		}
		back, removed, err := removeElement(out, "inputs", has)
		if err != nil || !removed {
			t.Fatalf("%v %v", removed, err)
		}
		if src != "{\n  \"servers\": {}\n}\n" && string(back) != src {
			t.Errorf("remove did not give back the original:\n%s\nwant:\n%s", back, src)
		}
	}
}
