package config

import (
	"math"
	"strconv"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// Upstream economy: how often and how long the Atomic API is asked.

func parseRateLimit(cfg *Config, v value) error {
	r, err := strconv.ParseFloat(v.value, 64)
	if err != nil || r == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return errorf("%s is not a rate limit: give requests per second, e.g. --rate-limit 10, or a negative number to turn the limit off", v)
	}
	cfg.RateLimit = r
	return nil
}

func parsePlansTTL(cfg *Config, v value) (err error) {
	cfg.PlansTTL, err = cacheTTL(v, "plans-ttl", atomicapi.DefaultPlansTTL)
	return err
}

func parseCustomersTTL(cfg *Config, v value) (err error) {
	cfg.CustomersTTL, err = cacheTTL(v, "customers-ttl", atomicapi.DefaultCustomersTTL)
	return err
}

// cacheTTL reads a cache lifetime: 0 turns the cache off.
func cacheTTL(v value, flag string, example time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v.value)
	if err != nil || d < 0 {
		return 0, errorf("%s is not a duration: use e.g. --%s %s, or 0 to turn the cache off", v, flag, example)
	}
	return d, nil
}

// parseAPITimeout reads the per-request timeout: positive, and no longer
// than the 24 s a whole call may take.
func parseAPITimeout(cfg *Config, v value) error {
	d, err := time.ParseDuration(v.value)
	if err != nil || d <= 0 || d > atomicapi.DefaultCallDeadline {
		return errorf("%s is not a timeout: give a duration up to %s, e.g. --api-timeout 15s", v, atomicapi.DefaultCallDeadline)
	}
	cfg.APITimeout = d
	return nil
}
