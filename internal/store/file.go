package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// File keeps the store in a directory, for processes on one machine: every
// `atomic-mcp call` run is a process of its own, and a token spent by one
// must stay spent for the next.
//
// A spent key is a file created by hard-linking a complete temporary file
// to the key's name: link refuses an existing name atomically, so exactly
// one process wins, and no reader ever sees a half-written file. Leases are
// advisory file locks (flock, LockFileEx), which the system releases when
// the holding process dies.
type File struct {
	dir   string
	locks KeyedMutex // one waiter per key in this process polls the file lock
	now   func() time.Time
}

// spentGrace keeps a spent key a while past its expiry, in case the clocks
// of the processes sharing the directory disagree a little.
const spentGrace = time.Minute

// OpenFile opens (creating) the store in dir.
func OpenFile(dir string) (*File, error) {
	for _, sub := range []string{"spent", "locks", "generations"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("store %s: %w", dir, err)
		}
	}
	return &File{dir: dir, now: time.Now}, nil
}

// StateDir is where the file store lives by default: $XDG_STATE_HOME/atomic-mcp,
// else ~/.local/state/atomic-mcp on Unix, else the user's configuration
// directory (macOS, Windows).
func StateDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "atomic-mcp"), nil
	}
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" && runtime.GOOS != "plan9" {
		if home := getenv("HOME"); home != "" {
			return filepath.Join(home, ".local", "state", "atomic-mcp"), nil
		}
		return "", errors.New("no state directory for the file store: set XDG_STATE_HOME or HOME, or choose one with --store file:///a/dir")
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no state directory for the file store (%v): choose one with --store file:///a/dir", err)
	}
	return filepath.Join(d, "atomic-mcp"), nil
}

func fileName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func (f *File) fail(op string, err error) error { return &Error{Store: f.String(), Op: op, Err: err} }

// Spend implements Store.
func (f *File) Spend(_ context.Context, key string, expires time.Time) (bool, error) {
	dir := filepath.Join(f.dir, "spent")
	f.sweep(dir)
	tmp, err := os.CreateTemp(dir, ".new-*")
	if err != nil {
		return false, f.fail("spend", err)
	}
	_, werr := tmp.WriteString(strconv.FormatInt(expires.Unix(), 10))
	cerr := tmp.Close()
	defer os.Remove(tmp.Name())
	if err := errors.Join(werr, cerr); err != nil {
		return false, f.fail("spend", err)
	}
	switch err := os.Link(tmp.Name(), filepath.Join(dir, fileName(key))); {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	default:
		return false, f.fail("spend", err)
	}
}

// sweep removes spent keys well past their expiry. Removing one that
// another process is reading is harmless: an expired token is refused
// before it is ever spent.
func (f *File) sweep(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	cutoff := f.now().Add(-spentGrace)
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".new-") {
			// A temporary file left by a process that died mid-spend.
			if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
				_ = os.Remove(path)
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if unix, err := strconv.ParseInt(string(data), 10, 64); err == nil && time.Unix(unix, 0).Before(cutoff) {
			_ = os.Remove(path)
		}
	}
}

// Lock implements Store. The lock files stay (one empty file per name
// ever created from this machine): removing a lock file while another
// process waits on it would let two hold "the" lock.
func (f *File) Lock(ctx context.Context, key string, _ time.Duration) (func(), error) {
	unlockLocal, err := f.locks.Lock(ctx, key)
	if err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(f.dir, "locks", fileName(key)))
	for attempt := 0; ; attempt++ {
		ok, err := fl.TryLock()
		if err != nil {
			unlockLocal()
			return nil, f.fail("lock", err)
		}
		if ok {
			return func() {
				_ = fl.Unlock()
				unlockLocal()
			}, nil
		}
		select {
		case <-ctx.Done():
			unlockLocal()
			return nil, ctx.Err()
		case <-time.After(pollInterval(attempt)):
		}
	}
}

// Generation implements Store.
func (f *File) Generation(_ context.Context, key string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(f.dir, "generations", fileName(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, f.fail("read generation", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0, f.fail("read generation", err)
	}
	return n, nil
}

// Bump implements Store: read, add one and rename a new file into place,
// under the key's lock so no increment is lost.
func (f *File) Bump(ctx context.Context, key string) error {
	unlock, err := f.Lock(ctx, "generation:"+key, 0)
	if err != nil {
		return err
	}
	defer unlock()
	n, err := f.Generation(ctx, key)
	if err != nil {
		return err
	}
	dir := filepath.Join(f.dir, "generations")
	tmp, err := os.CreateTemp(dir, ".new-*")
	if err != nil {
		return f.fail("bump generation", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(strconv.FormatInt(n+1, 10))
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return f.fail("bump generation", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, fileName(key))); err != nil {
		return f.fail("bump generation", err)
	}
	return nil
}

// Limiter implements Store: nil. The file store serves one-off CLI runs,
// each of which paces its own few requests.
func (f *File) Limiter(string, float64, int) Limiter { return nil }

// Shared implements Store.
func (f *File) Shared() bool { return true }

func (f *File) String() string { return "file://" + filepath.ToSlash(f.dir) }

// Close implements Store.
func (f *File) Close() error { return nil }
