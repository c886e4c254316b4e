package config

import (
	"log/slog"
	"strings"
)

func parseLogLevel(cfg *Config, v value) error {
	switch strings.ToLower(v.value) {
	case "debug":
		cfg.LogLevel = slog.LevelDebug
	case "info":
		cfg.LogLevel = slog.LevelInfo
	case "warn", "warning":
		cfg.LogLevel = slog.LevelWarn
	case "error":
		cfg.LogLevel = slog.LevelError
	default:
		return errorf("%s is not a log level: use debug, info, warn or error", v)
	}
	return nil
}

func parseLogFormat(cfg *Config, v value) error {
	cfg.LogFormat = strings.ToLower(v.value)
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return errorf("%s is not a log format: use text or json", v)
	}
	return nil
}
