package release

import (
	"fmt"
	"slices"
	"strings"
)

// Platform is one target of a release build.
type Platform struct{ OS, Arch string }

// Platforms are the targets `make dist` builds, in release order.
var Platforms = []Platform{
	{"darwin", "arm64"}, {"darwin", "amd64"},
	{"linux", "amd64"}, {"linux", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Binary is the server's file name on p.
func (p Platform) Binary() string {
	if p.OS == "windows" {
		return "atomic-mcp.exe"
	}
	return "atomic-mcp"
}

// mcpbOS is p's name in an MCPB manifest (Node's process.platform).
func (p Platform) mcpbOS() string {
	if p.OS == "windows" {
		return "win32"
	}
	return p.OS
}

// ParsePlatforms reads a comma-separated list such as
// "linux/amd64,windows/amd64"; empty means every platform.
func ParsePlatforms(s string) ([]Platform, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(Platforms), nil
	}
	var out []Platform
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		i := slices.IndexFunc(Platforms, func(p Platform) bool { return p.String() == item })
		if i < 0 {
			names := make([]string, len(Platforms))
			for j, p := range Platforms {
				names[j] = p.String()
			}
			return nil, fmt.Errorf("DIST_PLATFORMS: %q is not a release platform; use a comma-separated list of %s", item, strings.Join(names, ", "))
		}
		if !slices.Contains(out, Platforms[i]) {
			out = append(out, Platforms[i])
		}
	}
	return out, nil
}
