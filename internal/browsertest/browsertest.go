// Package browsertest starts a real headless Chromium for tests, through
// chromedp: the approval page is tested as a person's browser sees it, and
// its README picture is taken the same way. Only tests import it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds Chromium: $CHROMIUM, else Debian's /usr/bin/chromium, else
// whatever is on PATH.
func Path() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches Chromium with a throwaway profile and returns a tab's
// context. Everything stops when the test ends, or after limit. A machine
// without Chromium fails the test: .ci/run installs it.
func Start(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		t.Fatal("no Chromium found: install Debian's chromium (apt-get install chromium), or set CHROMIUM")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 720),
	}
	// chromedp: a deadline on the first run's context would be the
	// browser's; bound the browser with a timer instead.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(actx)
	stop := time.AfterFunc(limit, cancelAlloc)
	t.Cleanup(func() {
		stop.Stop()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return tab
}
