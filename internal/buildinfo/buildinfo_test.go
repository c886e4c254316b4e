package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/atomtelecom/atomic-mcp", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3f2a9c1d0b7e5a4c3b2a19081716151413121110"},
			{Key: "vcs.time", Value: "2026-03-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "false"},
		},
	}
	installed := &debug.BuildInfo{Main: debug.Module{Path: "github.com/atomtelecom/atomic-mcp", Version: "v1.4.0"}}
	tests := []struct {
		name                  string
		bi                    *debug.BuildInfo
		version, commit, date string
		want                  string
	}{
		{"release build: linker stamps win", vcs, "1.2.0", "aaaaaaaaaaaaaaaa", "2026-01-02T03:04:05Z", "atomic-mcp 1.2.0 (commit aaaaaaaaaaaa, built 2026-01-02T03:04:05Z)"},
		{"make build: version stamped, vcs from the toolchain", vcs, "1.2.0-3-g3f2a9c1", "", "", "atomic-mcp 1.2.0-3-g3f2a9c1 (commit 3f2a9c1d0b7e, built 2026-03-01T10:00:00Z)"},
		{"go build in a checkout", vcs, "", "", "", "atomic-mcp dev (commit 3f2a9c1d0b7e, built 2026-03-01T10:00:00Z)"},
		{"go install @version", installed, "", "", "", "atomic-mcp v1.4.0 (commit unknown, build date unknown)"},
		{"no build info", nil, "", "", "", "atomic-mcp dev (commit unknown, build date unknown)"},
		{"uncommitted changes", &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}}, "", "", "", "atomic-mcp dev (commit abc, modified, build date unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fromBuildInfo(tt.bi, tt.version, tt.commit, tt.date).String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
