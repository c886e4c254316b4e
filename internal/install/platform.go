package install

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// Platform is the OS and environment the paths are worked out for: the
// running one, or another in tests.
type Platform struct {
	// OS is a GOOS value: darwin, windows, linux, ...
	OS     string
	Getenv func(string) string
}

// Current is the running OS, read through getenv.
func Current(getenv func(string) string) Platform {
	return Platform{OS: runtime.GOOS, Getenv: getenv}
}

// home is the user's home directory: HOME, or USERPROFILE on Windows.
func (p Platform) home() (string, error) {
	name := "HOME"
	if p.OS == "windows" {
		name = "USERPROFILE"
	}
	if h := p.Getenv(name); h != "" {
		return h, nil
	}
	return "", errors.New(name + " is not set: set it to your home directory, or name the file with --config-file")
}

// appConfigDir is where a desktop application keeps its per-user
// settings: ~/Library/Application Support/NAME on macOS,
// %APPDATA%\NAME on Windows, $XDG_CONFIG_HOME/NAME (~/.config/NAME)
// elsewhere.
func (p Platform) appConfigDir(name string) (string, error) {
	switch p.OS {
	case "darwin":
		home, err := p.home()
		return filepath.Join(home, "Library", "Application Support", name), err
	case "windows":
		if dir := p.Getenv("APPDATA"); dir != "" {
			return filepath.Join(dir, name), nil
		}
		return "", errors.New("APPDATA is not set: name the file with --config-file")
	default:
		if dir := p.Getenv("XDG_CONFIG_HOME"); dir != "" && filepath.IsAbs(dir) {
			return filepath.Join(dir, name), nil
		}
		home, err := p.home()
		return filepath.Join(home, ".config", name), err
	}
}

// quitHint says how to quit a desktop application for good: closing its
// window leaves it running, with the old configuration.
func (p Platform) quitHint() string {
	switch p.OS {
	case "darwin":
		return "Claude > Quit Claude, or Cmd+Q"
	case "windows":
		return "File > Exit, or right-click its icon in the notification area > Quit"
	default:
		return "File > Quit"
	}
}

// lookPath finds an executable named name on p's PATH (with Windows'
// extensions there), or returns "".
func (p Platform) lookPath(name string) string {
	names := []string{name}
	if p.OS == "windows" {
		names = []string{name + ".exe", name + ".cmd", name + ".bat"}
	}
	for _, dir := range filepath.SplitList(p.Getenv("PATH")) {
		if dir == "" {
			continue
		}
		for _, n := range names {
			path := filepath.Join(dir, n)
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && (p.OS == "windows" || fi.Mode()&0o111 != 0) {
				return path
			}
		}
	}
	return ""
}
