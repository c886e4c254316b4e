package confirm

import (
	"testing"
)

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
