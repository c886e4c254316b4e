// Command dist builds the release into dist/: `make dist` runs it from the
// module root. DIST_PLATFORMS (e.g. linux/amd64) narrows the platforms;
// SOURCE_DATE_EPOCH replaces the commit time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/atomtelecom/atomic-mcp/internal/release"
)

func main() {
	out := flag.String("out", "dist", "directory to write the release to (must be missing or empty)")
	platforms := flag.String("platforms", os.Getenv("DIST_PLATFORMS"), "comma-separated GOOS/GOARCH list (env DIST_PLATFORMS; default all six)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *out, *platforms); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, platforms string) error {
	ps, err := release.ParsePlatforms(platforms)
	if err != nil {
		return err
	}
	src, err := release.ReadSource(ctx, ".", os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "dist: atomic-mcp %s (commit %.12s, %s) for %d platforms\n", src.Version, src.Commit, src.Time.Format("2006-01-02T15:04:05Z"), len(ps))
	_, err = release.Build(ctx, release.Options{Root: ".", Out: out, Source: src, Platforms: ps, Log: os.Stderr})
	return err
}
