package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Key is one entry of an --auth-keys file: a person, the SHA-256 of the key
// they send as their bearer token, and what they may do.
type Key struct {
	Name   string   `json:"name"`
	SHA256 string   `json:"sha256"`
	Scopes []string `json:"scopes"`
	// Email is optional, for the audit trail.
	Email string `json:"email,omitempty"`
}

// Keys verifies per-person keys. The file holds only their hashes, so
// reading it does not reveal a key.
type Keys struct {
	entries []keyEntry
}

type keyEntry struct {
	sum    [sha256.Size]byte
	name   string
	email  string
	scopes Scopes
}

// LoadKeys reads an --auth-keys file: a JSON array of
// {"name", "sha256", "scopes"} objects, scopes named as in DefaultNames.
func LoadKeys(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w: give a readable JSON file", path, err)
	}
	k, err := ParseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParseKeys reads the contents of an --auth-keys file.
func ParseKeys(data []byte) (*Keys, error) {
	var list []Key
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("not a JSON array of {\"name\", \"sha256\", \"scopes\"}: %w", err)
	}
	if len(list) == 0 {
		return nil, errors.New("no keys: add one {\"name\", \"sha256\", \"scopes\"} object per person")
	}
	k := &Keys{}
	names := map[string]bool{}
	sums := map[[sha256.Size]byte]string{}
	for i, e := range list {
		where := fmt.Sprintf("entry %d", i+1)
		if e.Name = strings.TrimSpace(e.Name); e.Name == "" {
			return nil, fmt.Errorf("%s has no name: name the person the key belongs to", where)
		}
		where = fmt.Sprintf("entry %d (%s)", i+1, e.Name)
		if names[e.Name] {
			return nil, fmt.Errorf("%s: the name is used twice: give each person one entry", where)
		}
		names[e.Name] = true
		raw, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(e.SHA256)), "sha256:"))
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("%s: sha256 is not 64 hex digits: give the SHA-256 of the key, e.g. from `printf %%s KEY | sha256sum`", where)
		}
		var sum [sha256.Size]byte
		copy(sum[:], raw)
		if other, dup := sums[sum]; dup {
			return nil, fmt.Errorf("%s has the same key as %s: give each person a key of their own", where, other)
		}
		sums[sum] = e.Name
		granted := DefaultNames.Grant(e.Scopes)
		for _, s := range e.Scopes {
			if DefaultNames.Grant([]string{s}) == 0 {
				return nil, fmt.Errorf("%s: unknown scope %q: use %s", where, s, strings.Join(DefaultNames.List(), ", "))
			}
		}
		if granted == 0 {
			return nil, fmt.Errorf("%s has no scopes: give at least %s", where, DefaultNames.Read)
		}
		k.entries = append(k.entries, keyEntry{sum: sum, name: e.Name, email: e.Email, scopes: granted})
	}
	return k, nil
}

// Len is how many people have keys.
func (k *Keys) Len() int { return len(k.entries) }

// Verify implements Verifier. Every entry is compared, in constant time, so
// the time taken says nothing about which key nearly matched.
func (k *Keys) Verify(_ context.Context, token string) (Principal, error) {
	got := sha256.Sum256([]byte(token))
	found := -1
	for i := range k.entries {
		if subtle.ConstantTimeCompare(got[:], k.entries[i].sum[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Principal{}, errNotMine
	}
	e := k.entries[found]
	return Principal{Subject: e.name, Name: e.name, Email: e.email, Via: ViaKey, Scopes: e.scopes}, nil
}
