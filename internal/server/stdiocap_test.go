package server

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestCapMessages(t *testing.T) {
	const limit = 1 << 10
	big := strings.Repeat("x", 3*limit)
	tests := []struct {
		name      string
		input     string
		passed    []string // lines that reach the server, in order
		refusedID []string // ids of the error answers, in order ("null" when unknown)
	}{
		{"small lines pass", "{\"id\":1}\n{\"id\":2}\n", []string{"{\"id\":1}\n", "{\"id\":2}\n"}, nil},
		{"last line without newline", "{\"id\":1}", []string{"{\"id\":1}"}, nil},
		{"oversized with numeric id", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"a":"` + big + "\"}}\n{\"id\":8}\n",
			[]string{"{\"id\":8}\n"}, []string{"7"}},
		{"oversized with string id", `{"id":"abc","params":"` + big + "\"}\n", nil, []string{`"abc"`}},
		{"id after the params", `{"params":"` + big + `","id":9}` + "\n", nil, []string{"9"}},
		{"id beyond what is kept", `{"params":"` + strings.Repeat("z", idPrefix) + `","id":9}` + "\n", nil, []string{"null"}},
		{"nested id is not the id", `{"params":{"id":5,"x":"` + big + `"},"id":9}` + "\n", nil, []string{"9"}},
		{"not json at all", big + "\n{\"id\":3}\n", []string{"{\"id\":3}\n"}, []string{"null"}},
		{"exactly at the limit passes", strings.Repeat("y", limit-1) + "\n", []string{strings.Repeat("y", limit-1) + "\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			in, _ := capMessages(strings.NewReader(tt.input), &out, limit, slog.New(slog.DiscardHandler))
			got := readLines(t, in)
			if strings.Join(got, "|") != strings.Join(tt.passed, "|") {
				t.Errorf("passed %q, want %q", got, tt.passed)
			}
			var ids []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if line == "" {
					continue
				}
				var msg struct {
					JSONRPC string          `json:"jsonrpc"`
					ID      json.RawMessage `json:"id"`
					Error   struct {
						Code    int    `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal([]byte(line), &msg); err != nil {
					t.Fatalf("answer is not JSON: %q", line)
				}
				if msg.JSONRPC != "2.0" || msg.Error.Code != -32600 || !strings.Contains(msg.Error.Message, "too large") {
					t.Errorf("answer %s is not a JSON-RPC too-large error", line)
				}
				ids = append(ids, string(msg.ID))
			}
			if strings.Join(ids, "|") != strings.Join(tt.refusedID, "|") {
				t.Errorf("refused ids %q, want %q", ids, tt.refusedID)
			}
		})
	}
}

func readLines(t *testing.T, r io.Reader) []string {
	t.Helper()
	var lines []string
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			lines = append(lines, line)
		}
		if err == io.EOF {
			return lines
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Closing the reader ends the copying goroutine even while the client
// keeps stdin open and has more to send.
func TestCapMessagesClose(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	in, _ := capMessages(stdinR, io.Discard, 1<<10, slog.New(slog.DiscardHandler))
	go func() { _, _ = stdinW.Write([]byte("{\"id\":1}\n{\"id\":2}\n")) }()
	buf := make([]byte, 9)
	if _, err := io.ReadFull(in, buf); err != nil {
		t.Fatal(err)
	}
	_ = in.Close()
	_ = stdinW.Close()
}
