// Package logging builds the server's slog logger: human-readable tint text
// or one JSON object per line, always on stderr, because in stdio mode stdout
// belongs to JSON-RPC alone.
package logging

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/lmittmann/tint"
)

// Options configures New.
type Options struct {
	Level slog.Leveler
	// Format is "text" or "json".
	Format string
	// NoColor forces plain text; colour is also off when w is not a terminal.
	NoColor bool
}

// New returns a logger writing to w.
func New(w io.Writer, opts Options) *slog.Logger {
	return slog.New(Handler(w, opts))
}

// Handler returns the slog handler behind New.
func Handler(w io.Writer, opts Options) slog.Handler {
	if opts.Format == "json" {
		return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: opts.Level})
	}
	return tint.NewTextHandler(w, &tint.Options{
		Level:      opts.Level,
		TimeFormat: time.TimeOnly,
		NoColor:    opts.NoColor || !isTerminal(w),
	})
}

// isTerminal reports whether w is a character device; tint never checks.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
