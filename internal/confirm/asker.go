package confirm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Reasons an elicitation produced no answer; the caller falls back to the
// token path on both.
var (
	// ErrNoAnswer: the client declared elicitation but did not answer
	// before the deadline. Its session is marked silent.
	ErrNoAnswer = errors.New("the client did not answer the confirmation question in time")
	// ErrBusy: as many questions as may wait at once are already waiting.
	ErrBusy = errors.New("too many confirmation questions are waiting")
)

// Asker puts confirmation questions to clients with a deadline. Clients that
// declare elicitation and then never answer exist (some hosts draw nothing
// and give up after 60 s): without a deadline such a delete hangs, and on
// stdio every hanging call holds one of mcp-go's tool-call workers. Safe for
// concurrent use.
type Asker struct {
	timeout time.Duration
	log     *slog.Logger
	// slots bounds the questions waiting at once; nil means no bound.
	slots chan struct{}

	mu     sync.Mutex
	silent map[string]bool // session ids whose client let a question time out
	logged map[string]bool // "name/version" of silent clients already logged
}

// NewAsker returns an Asker that waits up to timeout for an answer, with at
// most maxWaiting questions outstanding (0: no limit).
func NewAsker(timeout time.Duration, maxWaiting int, log *slog.Logger) *Asker {
	if timeout <= 0 {
		timeout = DefaultElicitationTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Asker{timeout: timeout, log: log, silent: map[string]bool{}, logged: map[string]bool{}}
	if maxWaiting > 0 {
		a.slots = make(chan struct{}, maxWaiting)
	}
	return a
}

// Timeout is how long a question waits for its answer.
func (a *Asker) Timeout() time.Duration { return a.timeout }

// Silent reports whether the client behind ctx already let a question time
// out: asking it again would only make the user wait for nothing.
func (a *Asker) Silent(ctx context.Context) bool {
	id := sessionID(ctx)
	if id == "" {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.silent[id]
}

// Ask sends params to the client behind ctx as an elicitation/create
// request and waits for the answer, up to the deadline. An answer that
// arrives later finds nobody waiting for it and is dropped by mcp-go.
func (a *Asker) Ask(ctx context.Context, params mcp.ElicitationParams) (*mcp.ElicitationResult, error) {
	if a.slots != nil {
		select {
		case a.slots <- struct{}{}:
			defer func() { <-a.slots }()
		default:
			return nil, ErrBusy
		}
	}
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return nil, server.ErrNoActiveSession
	}
	waitCtx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	res, err := srv.RequestElicitation(waitCtx, mcp.ElicitationRequest{
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  params,
	})
	switch {
	case err == nil:
		return res, nil
	case ctx.Err() == nil && errors.Is(waitCtx.Err(), context.DeadlineExceeded):
		a.markSilent(ctx)
		return nil, ErrNoAnswer
	default:
		return nil, fmt.Errorf("elicitation: %w", err)
	}
}

func (a *Asker) markSilent(ctx context.Context) {
	name, version := clientOf(ctx)
	key := name + "/" + version
	a.mu.Lock()
	if id := sessionID(ctx); id != "" {
		a.silent[id] = true
	}
	first := !a.logged[key]
	a.logged[key] = true
	a.mu.Unlock()
	if first {
		a.log.WarnContext(ctx, "the MCP client declared elicitation but did not answer a delete confirmation in time; its deletes now use the confirmation token",
			"client_name", name, "client_version", version, "timeout", a.timeout)
	}
}

func sessionID(ctx context.Context) string {
	if s := server.ClientSessionFromContext(ctx); s != nil {
		return s.SessionID()
	}
	return ""
}

func clientOf(ctx context.Context) (name, version string) {
	if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		ci := s.GetClientInfo()
		return ci.Name, ci.Version
	}
	return "", ""
}
