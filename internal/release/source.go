package release

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Source identifies what is being released.
type Source struct {
	// Version is a semantic version without the leading v, from the latest
	// git tag (see SemVer).
	Version string
	// Commit is the full git revision.
	Commit string
	// Time is the commit's time: every timestamp in the release (archive
	// entries, the build date) is this one, so the same commit builds the
	// same bytes.
	Time time.Time
}

// ReadSource asks git in dir what is being released. sourceDateEpoch, when
// set (the SOURCE_DATE_EPOCH convention, reproducible-builds.org), replaces
// the commit time.
func ReadSource(ctx context.Context, dir, sourceDateEpoch string) (Source, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s in %s: %w (a release is built from a git checkout)", strings.Join(args, " "), dir, err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	describe, err := git("describe", "--tags", "--always", "--dirty")
	if err != nil {
		return Source{}, err
	}
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		return Source{}, err
	}
	epoch := sourceDateEpoch
	if epoch == "" {
		if epoch, err = git("log", "-1", "--format=%ct"); err != nil {
			return Source{}, err
		}
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return Source{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a Unix time in seconds", epoch)
	}
	return Source{Version: SemVer(describe), Commit: commit, Time: time.Unix(secs, 0).UTC()}, nil
}

var describeTag = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$`)

// SemVer turns `git describe --tags --always --dirty` into the semantic
// version the bundle manifest and the registry need: v1.2.0 is 1.2.0;
// three commits later, 1.2.0-3-gabc1234 (a pre-release of 1.2.0 by
// semver's rules, so a build between tags never sorts above the next
// tag); with no tag at all, 0.0.0-abc1234.
func SemVer(describe string) string {
	if m := describeTag.FindStringSubmatch(describe); m != nil {
		return m[1]
	}
	return "0.0.0-" + strings.TrimPrefix(describe, "v")
}
