package app

import (
	"context"
	"log/slog"
	"os"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/config"
	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// openStore opens cfg.Store and says what it shares. An unreachable Redis
// does not stop start-up: each guard that needs it fails closed until it
// answers, and reads go on.
func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (store.Store, error) {
	s, err := store.Open(ctx, cfg.Store, os.Getenv)
	if err != nil {
		return nil, config.Invalid("--store", err)
	}
	if r, ok := s.(*store.Redis); ok {
		if err := r.Ping(ctx); err != nil {
			logger.Warn("the shared state store does not answer: deletes and creates are refused until it does; lists go on", "store", s.String(), "cause", err)
		}
	}
	if len(cfg.ConfirmSecret) > 0 && !s.Shared() {
		logger.Warn("ATOMIC_MCP_CONFIRM_SECRET is shared but the store is memory: a confirmation is single-use only within this process, "+
			"so another replica (or this one after a restart) would accept it again; give every replica one --store redis://…", "store", s.String())
	}
	logger.Debug("shared state store", "store", s.String(), "shared", s.Shared())
	return s, nil
}

// sharedLimit is the rate budget every replica on the store spends, or nil
// (no limit, or a store that paces nothing across processes). Keyed by the
// API URL: deployments for different accounts may share a Redis.
func sharedLimit(s store.Store, apiURL string, rate float64) atomicapi.SharedLimiter {
	if rate <= 0 {
		return nil
	}
	l := s.Limiter("api:"+apiURL, rate, atomicapi.DefaultRateBurst)
	if l == nil {
		return nil
	}
	return l
}
