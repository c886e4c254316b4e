package e2e

// Load: many concurrent streamable-HTTP sessions against `atomic-mcp
// --sandbox --transport http`. `make bench` runs it; TestMain builds the
// binary without the race detector unless the benchmark itself runs under
// -race.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadCalls is how many tool calls each client makes per iteration.
const loadCalls = 50

// BenchmarkHTTPLoad: N clients (half go-sdk, half mcp-go, one 2025-11-25
// session each) make loadCalls calls each, alternating list_service_plans
// and list_customers, all at once. It reports calls/s, p50 and p99 call
// latency, and the server's peak RSS, and fails on any error. With
// cache=on the server's default caches answer most calls; with cache=off
// every call goes through to the (built-in) sandbox API.
func BenchmarkHTTPLoad(b *testing.B) {
	for _, n := range []int{50, 200} {
		for _, cache := range []string{"on", "off"} {
			b.Run(fmt.Sprintf("clients=%d/cache=%s", n, cache), func(b *testing.B) {
				env, args := unthrottled()
				if cache == "off" {
					env = append(env, "ATOMIC_MCP_PLANS_TTL=0", "ATOMIC_MCP_CUSTOMERS_TTL=0")
				}
				benchLoad(b, n, env, args)
			})
		}
	}
}

func benchLoad(b *testing.B, clients int, env, args []string) {
	ns := startNet(b, netOpts{transport: "http", builtinSandbox: true, env: env, args: args})
	pool := &http.Transport{MaxIdleConns: 4 * clients, MaxIdleConnsPerHost: 4 * clients, IdleConnTimeout: time.Minute}
	b.Cleanup(pool.CloseIdleConnections)

	sessions := make([]*testServer, clients)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range sessions {
		wg.Go(func() {
			ctx, cancel := callContext()
			defer cancel()
			kind := goSDK
			if i%2 == 1 {
				kind = mcpGo
			}
			ts, err := ns.dial(ctx, netClient{combo: combo{kind, v20251125}, httpClient: &http.Client{Transport: pool}})
			if err != nil {
				errs <- fmt.Errorf("client %d (%s): connect: %w", i, kind, err)
				return
			}
			sessions[i] = ts
		})
	}
	wg.Wait()
	b.Cleanup(func() {
		for _, ts := range sessions {
			if ts != nil {
				_ = ts.sess.close()
			}
		}
	})
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  []string
		failed    int
		elapsed   time.Duration
	)
	// The first failure stops every client: the run has failed anyway.
	stop, abort := context.WithCancel(context.Background())
	defer abort()
	cpuBefore, cpuErr := cpuTime(ns.cmd.Process.Pid)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		for i, ts := range sessions {
			wg.Go(func() {
				mine := make([]time.Duration, 0, loadCalls)
				var bad []string
				for j := range loadCalls {
					if stop.Err() != nil {
						break
					}
					tool := "list_service_plans"
					if (i+j)%2 == 1 {
						tool = "list_customers"
					}
					ctx, cancel := context.WithTimeout(stop, callTimeout)
					t0 := time.Now()
					raw, err := ts.sess.callTool(ctx, tool, nil)
					d := time.Since(t0)
					cancel()
					switch {
					case stop.Err() != nil:
					case err != nil:
						bad = append(bad, fmt.Sprintf("client %d %s: %v", i, tool, err))
					case strings.Contains(string(raw), `"isError":true`):
						bad = append(bad, fmt.Sprintf("client %d %s: error result %.300s", i, tool, raw))
					default:
						mine = append(mine, d)
					}
					if len(bad) > 0 {
						abort()
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				failed += len(bad)
				failures = append(failures, bad...)
				mu.Unlock()
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	b.StopTimer()

	if failed > 0 {
		hint := ""
		if _, args := unthrottled(); len(args) == 0 {
			hint = "\n(atomic-mcp --help shows no --rate-limit flag: the server's upstream rate limiter may be what failed these calls)"
		}
		b.Fatalf("%d calls failed (the run stopped at the first): %s%s", failed, strings.Join(failures[:min(3, len(failures))], "\n"), hint)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "calls/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	// The clients share the machine with the server: its own CPU time per
	// call is the figure that scales.
	if cpuAfter, err := cpuTime(ns.cmd.Process.Pid); err == nil && cpuErr == nil {
		b.ReportMetric(float64((cpuAfter-cpuBefore).Microseconds())/float64(len(latencies)), "server-CPU-µs/call")
	}
	if kb, err := vmHWM(ns.cmd.Process.Pid); err == nil {
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	} else {
		b.Logf("peak RSS: %v", err)
	}
}

// unthrottled lifts the server's own upstream rate limit (10 requests/s by
// default) so that the load run measures the server, not the limiter: the
// environment variable always, the flag if --help lists it.
func unthrottled() (env, args []string) {
	return []string{"ATOMIC_MCP_RATE_LIMIT=-1"}, rateLimitFlag()
}

var rateLimitFlag = sync.OnceValue(func() []string {
	out, _ := exec.Command(binPath, "--help").CombinedOutput()
	if strings.Contains(string(out), "-rate-limit") {
		return []string{"--rate-limit=-1"}
	}
	return nil
})

// cpuTime reads the user plus system CPU time a process has used.
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the whole line, in clock ticks (100 a second
	// on Linux).
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// vmHWM reads the peak resident set of a process, in kB.
func vmHWM(pid int) (int, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
