package suggest

import "testing"

func TestClosest(t *testing.T) {
	commands := []string{"config", "doctor", "tools", "call", "help"}
	flags := []string{"sandbox", "read-only", "transport", "log-level", "stateless"}
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"cal", commands, "call"},
		{"doctr", commands, "doctor"},
		{"confg", commands, "config"},
		{"tool", commands, "tools"},
		{"serve", commands, ""},
		{"zzzzzzzz", commands, ""},
		{"sandbx", flags, "sandbox"},
		{"readonly", flags, "read-only"},
		{"transprot", flags, "transport"},
		{"list_customer", []string{"list_customers", "create_customer"}, "list_customers"},
		{"nope", []string{"list_customers", "create_customer"}, ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
