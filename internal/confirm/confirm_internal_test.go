package confirm

import (
	"testing"
	"time"
)

// TestUsedSetIsPruned: the set of used nonces holds a token only until it
// expires, so a long-running server does not grow it without bound.
func TestUsedSetIsPruned(t *testing.T) {
	now := time.Date(2025, 2, 19, 11, 15, 27, 0, time.UTC)
	c, err := New([]byte("secret"), time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	s := Subject{CustomerID: 1, CustomerName: "a", AccountNumber: "b"}
	for range 100 {
		tok, _ := c.Issue(PurposeDeleteToken, s)
		if err := c.Redeem(PurposeDeleteToken, tok, s); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.used); n != 100 {
		t.Fatalf("%d used entries, want 100", n)
	}
	now = now.Add(2 * time.Minute)
	tok, _ := c.Issue(PurposeDeleteToken, s)
	if err := c.Redeem(PurposeDeleteToken, tok, s); err != nil {
		t.Fatal(err)
	}
	if n := len(c.used); n != 1 {
		t.Errorf("%d used entries after every earlier token expired, want 1", n)
	}
}

func TestNewDerivesKey(t *testing.T) {
	secret := []byte("configured secret")
	c, err := New(secret, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.key) == string(secret) || len(c.key) != 32 {
		t.Error("the configured secret is used directly as the key")
	}
	if c.ttl != DefaultTTL || c.now == nil {
		t.Errorf("defaults: ttl %v, now set %v", c.ttl, c.now != nil)
	}
}
