package confirm_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/confirm"
)

// clock is a fake, goroutine-safe clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 2, 19, 11, 15, 27, 500_000_000, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	secret  = []byte("a shared secret for every replica")
	subject = confirm.Subject{CustomerID: 5, CustomerName: "waqi sc01", AccountNumber: "12345"}
)

func newConfirmer(t testing.TB, secret []byte, clk *clock) *confirm.Confirmer {
	t.Helper()
	var now func() time.Time
	if clk != nil {
		now = clk.now
	}
	c, err := confirm.New(secret, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssueThenRedeemOnce(t *testing.T) {
	for _, p := range []confirm.Purpose{confirm.PurposeDeleteToken, confirm.PurposeDeleteElicitation} {
		t.Run(string(p), func(t *testing.T) {
			clk := newClock()
			c := newConfirmer(t, secret, clk)
			tok, expires := c.Issue(p, subject)
			if want := clk.now().Add(confirm.DefaultTTL).Truncate(time.Second); !expires.Equal(want) {
				t.Errorf("expires %v, want %v", expires, want)
			}
			if !strings.HasPrefix(tok, "v1.") || strings.Count(tok, ".") != 2 || len(tok) > 200 {
				t.Errorf("token %q is not v1.<payload>.<sig> of reasonable size", tok)
			}
			if strings.ContainsAny(tok, "+/= \n") {
				t.Errorf("token %q is not URL-safe", tok)
			}
			if err := c.Redeem(context.Background(), p, tok, subject); err != nil {
				t.Fatalf("first Redeem: %v", err)
			}
			for range 3 {
				if err := c.Redeem(context.Background(), p, tok, subject); !errors.Is(err, confirm.ErrUsed) {
					t.Fatalf("repeat Redeem: %v, want ErrUsed", err)
				}
			}
		})
	}
}

func TestTokensAreUnique(t *testing.T) {
	c := newConfirmer(t, secret, newClock())
	seen := map[string]bool{}
	for range 1000 {
		tok, _ := c.Issue(confirm.PurposeDeleteToken, subject)
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
	}
	// Two tokens for the same subject are independent: using one leaves the
	// other valid.
	a, _ := c.Issue(confirm.PurposeDeleteToken, subject)
	b, _ := c.Issue(confirm.PurposeDeleteToken, subject)
	if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, a, subject); err != nil {
		t.Fatal(err)
	}
	if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, b, subject); err != nil {
		t.Fatalf("second token for the same subject: %v", err)
	}
}

func TestRedeemRefusals(t *testing.T) {
	tests := []struct {
		name   string
		issueP confirm.Purpose
		issueS confirm.Subject
		redeem func(c *confirm.Confirmer, tok string) error
		want   error
	}{
		{
			name: "other customer id", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid, // same name and account, another id
			redeem: func(c *confirm.Confirmer, tok string) error {
				s := subject
				s.CustomerID = 6
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, s)
			},
		},
		{
			name: "other customer id and name", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid, // the payload id is not trusted before the signature
			redeem: func(c *confirm.Confirmer, tok string) error {
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, confirm.Subject{CustomerID: 6, CustomerName: "other", AccountNumber: "1"})
			},
		},
		{
			name: "changed name", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				s := subject
				s.CustomerName = "waqi sc02"
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, s)
			},
		},
		{
			name: "name differs only in case", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				s := subject
				s.CustomerName = "WAQI SC01"
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, s)
			},
		},
		{
			name: "changed account number", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				s := subject
				s.AccountNumber = "12346"
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, s)
			},
		},
		{
			name: "emptied account number", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				s := subject
				s.AccountNumber = ""
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, s)
			},
		},
		{
			name: "name/account boundary shifted", issueP: confirm.PurposeDeleteToken, want: confirm.ErrInvalid,
			issueS: confirm.Subject{CustomerID: 5, CustomerName: "ab", AccountNumber: "c"},
			redeem: func(c *confirm.Confirmer, tok string) error {
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, confirm.Subject{CustomerID: 5, CustomerName: "a", AccountNumber: "bc"})
			},
		},
		{
			name: "name and account swapped", issueP: confirm.PurposeDeleteToken, want: confirm.ErrInvalid,
			issueS: confirm.Subject{CustomerID: 5, CustomerName: "12345", AccountNumber: "12345"},
			redeem: func(c *confirm.Confirmer, tok string) error {
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, confirm.Subject{CustomerID: 5, CustomerName: "1234", AccountNumber: "512345"})
			},
		},
		{
			name: "token purpose redeemed as elicitation state", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				return c.Redeem(context.Background(), confirm.PurposeDeleteElicitation, tok, subject)
			},
		},
		{
			name: "elicitation state redeemed as token", issueP: confirm.PurposeDeleteElicitation, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				return c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject)
			},
		},
		{
			name: "unknown purpose", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				return c.Redeem(context.Background(), "", tok, subject)
			},
		},
		{
			name: "minted with another secret", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				other, _ := confirm.New([]byte("another secret"), 0, newClock().now)
				return other.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject)
			},
		},
		{
			name: "minted by a per-process random key", issueP: confirm.PurposeDeleteToken, issueS: subject, want: confirm.ErrInvalid,
			redeem: func(c *confirm.Confirmer, tok string) error {
				other, _ := confirm.New(nil, 0, newClock().now)
				return other.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfirmer(t, secret, newClock())
			tok, _ := c.Issue(tt.issueP, tt.issueS)
			if err := tt.redeem(c, tok); !errors.Is(err, tt.want) {
				t.Fatalf("Redeem: %v, want %v", err, tt.want)
			}
			// A refused attempt does not burn the token.
			if err := c.Redeem(context.Background(), tt.issueP, tok, tt.issueS); err != nil {
				t.Errorf("the genuine Redeem after a refused one: %v", err)
			}
		})
	}
}

func TestRandomKeysDiffer(t *testing.T) {
	a := newConfirmer(t, nil, newClock())
	b := newConfirmer(t, nil, newClock())
	tok, _ := a.Issue(confirm.PurposeDeleteToken, subject)
	if err := b.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject); !errors.Is(err, confirm.ErrInvalid) {
		t.Errorf("a token from one random-keyed confirmer redeemed on another: %v", err)
	}
	if err := a.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject); err != nil {
		t.Errorf("redeem on the issuer: %v", err)
	}
}

func TestReplicasShareSecret(t *testing.T) {
	clk := newClock()
	a := newConfirmer(t, secret, clk)
	b := newConfirmer(t, secret, clk)
	for _, p := range []confirm.Purpose{confirm.PurposeDeleteToken, confirm.PurposeDeleteElicitation} {
		tok, _ := a.Issue(p, subject)
		if err := b.Redeem(context.Background(), p, tok, subject); err != nil {
			t.Errorf("%s: minted on one replica, refused on the other: %v", p, err)
		}
		if err := b.Redeem(context.Background(), p, tok, subject); !errors.Is(err, confirm.ErrUsed) {
			t.Errorf("%s: second redeem on the same replica: %v, want ErrUsed", p, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration
		advance time.Duration
		want    error
	}{
		{"fresh", 0, 0, nil},
		{"just before default TTL", 0, 4*time.Minute + 59*time.Second - 500*time.Millisecond - time.Nanosecond, nil},
		{"at expiry", 0, 5*time.Minute - 500*time.Millisecond, confirm.ErrExpired},
		{"past default TTL", 0, 5*time.Minute + time.Second, confirm.ErrExpired},
		{"an hour later", 0, time.Hour, confirm.ErrExpired},
		{"custom TTL honoured", 30 * time.Second, 31 * time.Second, confirm.ErrExpired},
		{"custom TTL not yet", 30 * time.Second, 20 * time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			c, err := confirm.New(secret, tt.ttl, clk.now)
			if err != nil {
				t.Fatal(err)
			}
			tok, expires := c.Issue(confirm.PurposeDeleteToken, subject)
			ttl := tt.ttl
			if ttl == 0 {
				ttl = confirm.DefaultTTL
			}
			if d := expires.Sub(clk.now()); d > ttl || d <= ttl-time.Second {
				t.Errorf("expires in %v, want about %v", d, ttl)
			}
			clk.advance(tt.advance)
			if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject); !errors.Is(err, tt.want) {
				t.Errorf("Redeem after %v: %v, want %v", tt.advance, err, tt.want)
			}
		})
	}
	t.Run("expired token stays refused after the used set is pruned", func(t *testing.T) {
		clk := newClock()
		c := newConfirmer(t, secret, clk)
		tok, _ := c.Issue(confirm.PurposeDeleteToken, subject)
		if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject); err != nil {
			t.Fatal(err)
		}
		clk.advance(10 * time.Minute)
		other, _ := c.Issue(confirm.PurposeDeleteToken, subject)
		if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, other, subject); err != nil {
			t.Fatal(err)
		}
		if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject); !errors.Is(err, confirm.ErrExpired) {
			t.Errorf("replay after pruning: %v, want ErrExpired", err)
		}
	})
}

var b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// TestTamperedTokens changes every character of the payload and of the
// signature to every other base64url character: none may redeem, and each is
// reported as invalid or malformed.
func TestTamperedTokens(t *testing.T) {
	c := newConfirmer(t, secret, newClock())
	tok, _ := c.Issue(confirm.PurposeDeleteToken, subject)
	parts := strings.Split(tok, ".")
	for part := 1; part <= 2; part++ {
		for i := range len(parts[part]) {
			for _, r := range b64 {
				if byte(r) == parts[part][i] {
					continue
				}
				p := append([]string(nil), parts...)
				p[part] = p[part][:i] + string(r) + p[part][i+1:]
				forged := strings.Join(p, ".")
				err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, forged, subject)
				if err == nil {
					t.Fatalf("tampered token (part %d, char %d -> %c) redeemed: %s", part, i, r, forged)
				}
				if !errors.Is(err, confirm.ErrInvalid) && !errors.Is(err, confirm.ErrMalformed) {
					t.Fatalf("tampered token (part %d, char %d -> %c): %v, want ErrInvalid or ErrMalformed", part, i, r, err)
				}
			}
		}
	}
	if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject); err != nil {
		t.Errorf("the genuine token after the forgeries: %v", err)
	}
}

// TestTamperedIDIsNotTrusted: the payload's customer id is signed, so a
// forged one fails the signature.
func TestTamperedIDIsNotTrusted(t *testing.T) {
	c := newConfirmer(t, secret, newClock())
	tok, _ := c.Issue(confirm.PurposeDeleteToken, subject)
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	payload[7] ^= 0x01 // customer id 5 -> 4
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	err = c.Redeem(context.Background(), confirm.PurposeDeleteToken, strings.Join(parts, "."), subject)
	if !errors.Is(err, confirm.ErrInvalid) {
		t.Errorf("forged customer id: %v, want ErrInvalid", err)
	}
}

func TestMalformedTokens(t *testing.T) {
	c := newConfirmer(t, secret, newClock())
	tok, _ := c.Issue(confirm.PurposeDeleteToken, subject)
	parts := strings.Split(tok, ".")
	tests := map[string]string{
		"empty":               "",
		"blank":               "   \n",
		"garbage":             "please delete it",
		"only version":        "v1",
		"empty parts":         "v1..",
		"two parts":           "v1." + parts[1],
		"four parts":          tok + ".x",
		"other version":       "v2." + parts[1] + "." + parts[2],
		"upper-case version":  "V1." + parts[1] + "." + parts[2],
		"padded payload":      "v1." + parts[1] + "==." + parts[2],
		"std alphabet":        "v1." + strings.Repeat("+", len(parts[1])) + "." + parts[2],
		"payload too short":   "v1." + parts[1][:len(parts[1])-4] + "." + parts[2],
		"payload too long":    "v1." + parts[1] + "AAAA." + parts[2],
		"signature too short": "v1." + parts[1] + "." + parts[2][:len(parts[2])-4],
		"signature too long":  tok + "AAAA",
		"oversized":           tok + strings.Repeat("A", 10_000),
		"oversized 201":       strings.Repeat("v", 201),
		"JWT-looking":         "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1In0.c2ln",
		"NUL":                 "v1.\x00." + parts[2],
		"invalid UTF-8":       "v1.\xff\xfe." + parts[2],
		"dots only":           "..",
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, s, subject); !errors.Is(err, confirm.ErrMalformed) {
				t.Errorf("Redeem(%.60q): %v, want ErrMalformed", s, err)
			}
		})
	}
	if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, "  "+tok+"\n", subject); err != nil {
		t.Errorf("surrounding whitespace (as pasted) should be tolerated: %v", err)
	}
}

func TestConcurrentRedeem(t *testing.T) {
	c := newConfirmer(t, secret, newClock())
	tok, _ := c.Issue(confirm.PurposeDeleteToken, subject)
	const n = 50
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, n)
	)
	for range n {
		wg.Go(func() {
			<-start
			errs <- c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, subject)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	ok, used := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, confirm.ErrUsed):
			used++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || used != n-1 {
		t.Errorf("%d successes and %d ErrUsed, want 1 and %d", ok, used, n-1)
	}
}

// Issuing and redeeming many different tokens concurrently (with the clock
// moving) is race-free and each token redeems exactly once.
func TestConcurrentIssueAndRedeem(t *testing.T) {
	clk := newClock()
	c := newConfirmer(t, secret, clk)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			s := confirm.Subject{CustomerID: int64(i), CustomerName: "c", AccountNumber: "a"}
			for range 20 {
				tok, _ := c.Issue(confirm.PurposeDeleteElicitation, s)
				clk.advance(time.Millisecond)
				if err := c.Redeem(context.Background(), confirm.PurposeDeleteElicitation, tok, s); err != nil {
					t.Error(err)
				}
				if err := c.Redeem(context.Background(), confirm.PurposeDeleteElicitation, tok, s); !errors.Is(err, confirm.ErrUsed) {
					t.Errorf("replay: %v", err)
				}
			}
		})
	}
	wg.Wait()
}

func TestSubjectEdgeValues(t *testing.T) {
	c := newConfirmer(t, secret, newClock())
	for _, s := range []confirm.Subject{
		{},
		{CustomerID: -1, CustomerName: "neg"},
		{CustomerID: 1<<63 - 1, CustomerName: strings.Repeat("長", 1000), AccountNumber: "\x00\xff"},
	} {
		tok, _ := c.Issue(confirm.PurposeDeleteToken, s)
		if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, tok, s); err != nil {
			t.Errorf("%+.40v: %v", s, err)
		}
	}
}

// FuzzRedeem feeds arbitrary strings to Redeem. Each input is redeemed
// against a fresh Confirmer with a random key, so no string in the corpus
// can be a genuine token; to let the fuzzer work on real tokens and real
// forgeries, placeholders in the input stand for this iteration's:
//
//	@T  the token minted for subject (@P its payload, @S its signature)
//	@I  a genuine token for another customer_id, same name and account
//	@X  a genuine token for subject that has expired
//	@O  a token for subject minted with another secret
//	@E  @P with its expiry moved a year later (so "v1.@E.@S")
//
// Redeem must never panic, must succeed only for the one genuine token for
// the purpose and subject asked about, refuse it for any other, and only
// once.
func FuzzRedeem(f *testing.F) {
	for _, s := range []string{
		"@T", " @T\n", "@T@T", "@TA", "v1.@P.@S", "v1.@PA.@S", "v1.@P.@SA", "v1.@S.@P", "v2.@P.@S", "v1.@P.@S.",
		"v1.@P.\n@S", "v1.@P.@S==", "", "v1..", "v1.AAAA.BBBB", strings.Repeat("A", 300), "\xff",
		"v1.AAAAAAAAAAUAAAAAZ7W-ezyAaTDkcUe3HDq1Vg.pEsg5LUh29L_9BaHVjfg81BLEZpIP5sHBrKJi0BCv7Y",
		"@I", " @I ", "@X", "@X\n", "@O", "v1.@E.@S", "v1.@P.@S@O", "@I.@S", "v1.@E",
	} {
		f.Add(s)
	}
	other := confirm.Subject{CustomerID: 6, CustomerName: subject.CustomerName, AccountNumber: subject.AccountNumber}
	f.Fuzz(func(t *testing.T, s string) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			t.Fatal(err)
		}
		clk := newClock()
		c := newConfirmer(t, key, clk)
		past := newClock()
		past.advance(-time.Hour)
		expired, _ := newConfirmer(t, key, past).Issue(confirm.PurposeDeleteToken, subject)
		foreign, _ := newConfirmer(t, []byte("another secret"), clk).Issue(confirm.PurposeDeleteToken, subject)
		forOther, _ := c.Issue(confirm.PurposeDeleteToken, other)
		minted, _ := c.Issue(confirm.PurposeDeleteToken, subject)
		parts := strings.Split(minted, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		binary.BigEndian.PutUint64(payload[8:16], binary.BigEndian.Uint64(payload[8:16])+365*24*3600)
		s = strings.NewReplacer("@T", minted, "@P", parts[1], "@S", parts[2], "@I", forOther, "@X", expired, "@O", foreign,
			"@E", base64.RawURLEncoding.EncodeToString(payload)).Replace(s)
		tok := canonical(s)

		// Never across purposes or subjects.
		if c.Redeem(context.Background(), confirm.PurposeDeleteElicitation, s, subject) == nil {
			t.Fatalf("redeemed for the wrong purpose: %q", s)
		}
		if c.Redeem(context.Background(), confirm.PurposeDeleteToken, s, confirm.Subject{CustomerID: 5, CustomerName: "x"}) == nil {
			t.Fatalf("redeemed for the wrong subject: %q", s)
		}
		if err := c.Redeem(context.Background(), confirm.PurposeDeleteToken, s, other); err == nil && tok != forOther {
			t.Fatalf("redeemed for customer_id %d a string not minted for it: %q", other.CustomerID, s)
		}
		err = c.Redeem(context.Background(), confirm.PurposeDeleteToken, s, subject)
		if err == nil && tok != minted {
			t.Fatalf("Redeem accepted a string that is not the minted token %q: %q", minted, s)
		}
		if tok == expired && !errors.Is(err, confirm.ErrExpired) {
			t.Fatalf("the expired token: %v, want ErrExpired", err)
		}
		if tok == forOther && !errors.Is(err, confirm.ErrInvalid) {
			t.Fatalf("the token for customer_id %d: %v, want ErrInvalid", other.CustomerID, err)
		}
		if err != nil && !errors.Is(err, confirm.ErrMalformed) && !errors.Is(err, confirm.ErrInvalid) &&
			!errors.Is(err, confirm.ErrExpired) && !errors.Is(err, confirm.ErrUsed) {
			t.Fatalf("Redeem returned an error callers cannot classify: %v", err)
		}
		if err == nil {
			if again := c.Redeem(context.Background(), confirm.PurposeDeleteToken, s, subject); !errors.Is(again, confirm.ErrUsed) {
				t.Fatalf("%q redeemed twice: %v", s, again)
			}
			if again := c.Redeem(context.Background(), confirm.PurposeDeleteToken, minted, subject); !errors.Is(again, confirm.ErrUsed) {
				t.Fatalf("the minted token redeemed twice (as %q, then itself): %v", s, again)
			}
		}
	})
}

// canonical is the token as a strict verifier reads it ("" when it does not
// parse). Only CR/LF inside a part, which even strict base64 decoding skips,
// and surrounding whitespace make two strings the same token; in particular a
// different final character (non-zero padding bits) does not.
func canonical(s string) string {
	p := strings.Split(strings.TrimSpace(s), ".")
	if len(p) != 3 {
		return ""
	}
	enc := base64.RawURLEncoding.Strict()
	a, err1 := enc.DecodeString(p[1])
	b, err2 := enc.DecodeString(p[2])
	if err1 != nil || err2 != nil {
		return ""
	}
	return p[0] + "." + base64.RawURLEncoding.EncodeToString(a) + "." + base64.RawURLEncoding.EncodeToString(b)
}
