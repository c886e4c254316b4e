package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
)

// MaxStdioMessage is the largest JSON-RPC message accepted on stdin. No
// tool's arguments come near it; without it one line is read whole into
// memory however long it is (a 10 MB line took the server to 190 MB).
const MaxStdioMessage = 4 << 20

// idPrefix is how much of an oversized line is kept to find its id.
const idPrefix = 64 << 10

// capMessages puts a size cap between stdin and mcp-go's line reader: a
// line longer than limit is skipped without being held in memory, and
// answered with a JSON-RPC error of its own, so the client learns why and
// the server goes on. The error is written through the same lock as
// mcp-go's responses, each of which it writes in a single Write. Closing
// the reader lets the copying goroutine end.
func capMessages(stdin io.Reader, stdout io.Writer, limit int, log *slog.Logger) (io.ReadCloser, io.Writer) {
	out := &lockedWriter{w: stdout}
	pr, pw := io.Pipe()
	go func() {
		br := bufio.NewReaderSize(stdin, 64<<10)
		for {
			line, oversized, err := readCapped(br, limit)
			switch {
			case oversized != nil:
				log.Warn("stdin message too large: refused", "limit_bytes", limit)
				_, _ = out.Write(tooLarge(oversized, limit))
			case len(line) > 0:
				if _, werr := pw.Write(line); werr != nil {
					return // the server stopped reading
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return pr, out
}

// readCapped reads one line. A line over limit is consumed to its end and
// reported by its first idPrefix bytes in oversized; line is then nil.
func readCapped(br *bufio.Reader, limit int) (line, oversized []byte, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if oversized == nil && len(buf)+len(chunk) > limit {
			oversized = append(buf, chunk...)
			oversized = oversized[:min(len(oversized), idPrefix)]
			buf = nil
		}
		if oversized == nil {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return buf, oversized, err
	}
}

// tooLarge is the error answer to an oversized message: an Invalid Request
// (-32600) carrying the message's id when it can be read from its start.
func tooLarge(prefix []byte, limit int) []byte {
	msg := map[string]any{
		"jsonrpc": "2.0",
		"id":      topLevelID(prefix),
		"error": map[string]any{
			"code":    -32600,
			"message": fmt.Sprintf("message too large: the limit is %d MiB per JSON-RPC message; send smaller arguments", limit>>20),
		},
	}
	b, _ := json.Marshal(msg)
	return append(b, '\n')
}

// topLevelID finds the "id" member of the JSON object that prefix starts,
// or nil when it is not within the prefix (JSON-RPC then answers id null).
func topLevelID(prefix []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		var value json.RawMessage
		if key == "id" {
			if err := dec.Decode(&value); err != nil {
				return nil
			}
			if len(value) > 0 && (value[0] == '"' || value[0] == '-' || (value[0] >= '0' && value[0] <= '9')) {
				return value
			}
			return nil
		}
		if err := skipValue(dec); err != nil {
			return nil
		}
	}
	return nil
}

// skipValue reads past one value without keeping it: params may be most
// of the prefix.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// lockedWriter serialises whole writes.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
