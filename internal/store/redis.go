package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is the store of replicas: Redis 7+ or Valkey 8, one server (or a
// primary with failover in front) for every replica of one deployment.
type Redis struct {
	rdb   *redis.Client
	name  string // the URL without its password
	rate  *redis_rate.Limiter
	locks KeyedMutex // one waiter per key in this process polls Redis
}

// Timeouts for a store on the same network: a guard that cannot be
// checked within them fails closed rather than hold up the caller.
const (
	redisDialTimeout = time.Second
	redisIOTimeout   = 500 * time.Millisecond
)

// keyPrefix namespaces every key, so the store can share a database.
const keyPrefix = "atomic-mcp:"

// OpenRedis connects to rawURL (redis:// or rediss://, with the database
// number, user and password as go-redis parses them). An unreachable
// server is not an error here: it is reported by each call that needs it,
// and the client reconnects by itself once the server is back.
func OpenRedis(ctx context.Context, rawURL string) (*Redis, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", Redact(rawURL), err)
	}
	opts.DialTimeout = redisDialTimeout
	opts.ReadTimeout = redisIOTimeout
	opts.WriteTimeout = redisIOTimeout
	// One attempt: a retry would double the time a caller waits to hear
	// that the store is down, and Spend must not be sent twice blindly.
	opts.MaxRetries = -1
	opts.ClientName = "atomic-mcp"
	rdb := redis.NewClient(opts)
	return &Redis{rdb: rdb, name: Redact(rawURL), rate: redis_rate.NewLimiter(rdb)}, nil
}

// Ping checks that the server answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return r.fail("ping", err)
	}
	return nil
}

func (r *Redis) fail(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{Store: r.name, Op: op, Err: err}
}

// Spend implements Store with SET NX and the key's own expiry.
func (r *Redis) Spend(ctx context.Context, key string, expires time.Time) (bool, error) {
	ok, err := r.rdb.SetArgs(ctx, keyPrefix+"spent:"+key, "1", redis.SetArgs{Mode: "NX", ExpireAt: expires}).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil // NX refused: already spent
	}
	if err != nil {
		return false, r.fail("spend", err)
	}
	return ok == "OK", nil
}

// unlockScript deletes a lease only while it is still ours: after it
// lapsed, another caller may hold it.
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// Lock implements Store with SET NX PX and a random owner value.
func (r *Redis) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	unlockLocal, err := r.locks.Lock(ctx, key)
	if err != nil {
		return nil, err
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	owner := hex.EncodeToString(raw[:])
	k := keyPrefix + "lease:" + key
	for attempt := 0; ; attempt++ {
		ok, err := r.rdb.SetNX(ctx, k, owner, ttl).Result()
		if err != nil {
			unlockLocal()
			return nil, r.fail("take create lease", err)
		}
		if ok {
			return func() {
				// Not the caller's context: it may be cancelled, and the
				// lease should still go back now rather than at its ttl.
				ctx, cancel := context.WithTimeout(context.Background(), redisIOTimeout)
				defer cancel()
				_ = unlockScript.Run(ctx, r.rdb, []string{k}, owner).Err()
				unlockLocal()
			}, nil
		}
		select {
		case <-ctx.Done():
			unlockLocal()
			return nil, ctx.Err()
		case <-time.After(pollInterval(attempt)):
		}
	}
}

// Generation implements Store.
func (r *Redis) Generation(ctx context.Context, key string) (int64, error) {
	n, err := r.rdb.Get(ctx, keyPrefix+"gen:"+key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, r.fail("read generation", err)
	}
	return n, nil
}

// Bump implements Store.
func (r *Redis) Bump(ctx context.Context, key string) error {
	if err := r.rdb.Incr(ctx, keyPrefix+"gen:"+key).Err(); err != nil {
		return r.fail("bump generation", err)
	}
	return nil
}

// Limiter implements Store with redis_rate's GCRA: one budget, whichever
// replica spends it.
func (r *Redis) Limiter(key string, rate float64, burst int) Limiter {
	if rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return nil
	}
	// GCRA spaces requests period/rate apart; a long period keeps a
	// fractional rate (2.5/s) exact in redis_rate's whole-number Rate.
	const period = 1000 * time.Second
	return &redisLimiter{r: r, key: keyPrefix + "rate:" + key, limit: redis_rate.Limit{
		Rate: max(1, int(math.Round(rate*period.Seconds()))), Burst: max(1, burst), Period: period,
	}}
}

type redisLimiter struct {
	r     *Redis
	key   string
	limit redis_rate.Limit
}

// Wait asks until a turn is granted. GCRA keeps no queue, so a waiter
// asks again when its turn would come.
func (l *redisLimiter) Wait(ctx context.Context) (bool, time.Duration, error) {
	for {
		res, err := l.r.rate.Allow(ctx, l.key, l.limit)
		if err != nil {
			return false, 0, l.r.fail("rate limit", err)
		}
		if res.Allowed > 0 {
			return true, 0, nil
		}
		wait := res.RetryAfter
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return false, wait, nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return false, 0, ctx.Err()
		case <-timer.C:
		}
	}
}

// Shared implements Store.
func (r *Redis) Shared() bool { return true }

func (r *Redis) String() string { return r.name }

// Close implements Store.
func (r *Redis) Close() error { return r.rdb.Close() }
