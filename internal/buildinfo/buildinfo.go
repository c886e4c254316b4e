// Package buildinfo says which build of atomic-mcp is running: the release
// version stamped in by the linker, and the commit and its date that the Go
// toolchain records from git (-buildvcs). Release builds set all three with
// -ldflags -X so that a binary built from a source archive, without git,
// still knows them.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Set with -ldflags "-X github.com/atomtelecom/atomic-mcp/internal/buildinfo.version=...".
var (
	version string
	commit  string
	date    string
)

// Info is one build's identity. Empty fields are unknown.
type Info struct {
	// Version is the release version (from the latest git tag), or the
	// module version for `go install …@v1.2.3`, or "dev".
	Version string
	// Commit is the full git revision the binary was built from.
	Commit string
	// Date is the commit's time in RFC 3339, UTC: a release's build date is
	// its commit's, so that the same source builds the same bytes.
	Date string
	// Modified reports uncommitted changes in the tree that was built.
	Modified bool
}

// Read returns this binary's build identity.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuildInfo(bi, version, commit, date)
}

// fromBuildInfo merges the linker's stamps (which win) with what the
// toolchain recorded.
func fromBuildInfo(bi *debug.BuildInfo, version, commit, date string) Info {
	info := Info{Version: version, Commit: commit, Date: date}
	if bi != nil {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

// String is the --version line: "atomic-mcp 1.2.0 (commit 3f2a9c1d0b7e, built 2026-03-01T10:00:00Z)".
func (i Info) String() string {
	var parts []string
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if i.Modified {
			c += ", modified"
		}
		parts = append(parts, "commit "+c)
	} else {
		parts = append(parts, "commit unknown")
	}
	if i.Date != "" {
		parts = append(parts, "built "+i.Date)
	} else {
		parts = append(parts, "build date unknown")
	}
	return fmt.Sprintf("atomic-mcp %s (%s)", i.Version, strings.Join(parts, ", "))
}
