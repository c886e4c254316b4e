// Package audit keeps the audit trail of attempts to change the account:
// every create_customer and delete_customer call, one JSON object per line,
// appended to a file only its owner can read.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/auth"
)

// Outcome is what became of an attempt.
type Outcome string

// The outcomes, in the order a delete can pass through them.
const (
	// ConfirmationRequested: delete_customer asked for approval (an
	// elicitation was sent, or a confirmation token was issued); nothing
	// was deleted.
	ConfirmationRequested Outcome = "confirmation_requested"
	// Declined: the user declined or cancelled the confirmation.
	Declined Outcome = "declined"
	// Approved: a delete was approved and its DELETE is about to be sent.
	// It is written before the request, so that no DELETE leaves the server
	// without a line in the trail, even if the process dies before the
	// outcome is known.
	Approved Outcome = "approved"
	// Deleted: the Atomic API confirmed the delete.
	Deleted Outcome = "deleted"
	// Created: the Atomic API created the customer.
	Created Outcome = "created"
	// Refused: this server refused before sending anything: a duplicate
	// name, an unknown or already-deleted customer, a bad confirmation.
	Refused Outcome = "refused"
	// Failed: the Atomic API could not be reached or did not do it.
	Failed Outcome = "failed"
	// Unknown: the write may or may not have been carried out (a timeout,
	// a dropped connection, a 5xx). It is written before the fresh read
	// that settles it, whose line follows with the reconciled outcome.
	Unknown Outcome = "unknown"
)

// Confirmation paths: how a delete's approval was obtained.
const (
	ViaElicitation = "elicitation"
	ViaToken       = "token"
	// ViaBrowser is the approval page: a person pressed Delete in a browser.
	ViaBrowser = "browser"
	// ViaCLIYes is `atomic-mcp call delete_customer ... --yes`: the operator
	// approved on the command line, outside MCP.
	ViaCLIYes = "cli-yes"
)

// Entry is one line of the trail. It never holds a token: neither the API
// token nor a confirmation token has a field here.
type Entry struct {
	Time         time.Time `json:"time"`
	Tool         string    `json:"tool"`
	CustomerID   int64     `json:"customer_id,omitempty"`
	CustomerName string    `json:"customer_name,omitempty"`
	Outcome      Outcome   `json:"outcome"`
	// Confirmation is the approval path of a delete: elicitation, token or
	// cli-yes.
	Confirmation string `json:"confirmation,omitempty"`
	// Reason says briefly why an attempt was refused, declined or failed.
	Reason string `json:"reason,omitempty"`
	// Principal is who made the call: the OAuth subject (with client and
	// name), the --auth-keys name, or the shared token; absent on stdio.
	Principal     *auth.Principal `json:"principal,omitempty"`
	ClientName    string          `json:"client_name,omitempty"`
	ClientVersion string          `json:"client_version,omitempty"`
	// UpstreamStatus is the HTTP status of the call's last Atomic API
	// answer; 0 when none arrived.
	UpstreamStatus int `json:"upstream_status"`
}

// Log appends entries to a file. It is safe for concurrent use.
type Log struct {
	mu  sync.Mutex
	f   *os.File
	now func() time.Time
}

// Open opens path for appending, creating it with mode 0600. A file that
// exists with wider permissions is narrowed to 0600 rather than refused: the
// trail names customers, and tightening keeps it without an operator's
// intervention, while an operator who cannot own the file (chmod fails) is
// told at start-up. Anything but a regular file is refused: a FIFO would
// block every write and a device would lose the trail.
func Open(path string) (*Log, error) {
	if path == "" {
		return nil, errors.New("no file given")
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: give a file this user can write (its directory must exist)", path, unwrap(err))
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, unwrap(err))
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file: give the path of a file to append to", path)
	}
	if info.Mode().Perm()&^0o600 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s is readable by others (mode %#o) and could not be narrowed to 0600: %w", path, info.Mode().Perm(), unwrap(err))
		}
	}
	return &Log{f: f, now: time.Now}, nil
}

// Record appends e as one line. Fields the caller left empty are filled in
// from ctx: the time, the principal, the MCP client's name and version, and the upstream
// status of the call's trace. The line is synced to disk before Record
// returns, so a result the caller sends afterwards is never ahead of the
// trail.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC()
	if e.ClientName == "" && e.ClientVersion == "" {
		e.ClientName, e.ClientVersion = clientFrom(ctx)
	}
	if p, ok := auth.From(ctx); ok && e.Principal == nil {
		e.Principal = &p
	}
	if e.UpstreamStatus == 0 {
		if t := atomicapi.TraceFrom(ctx); t != nil {
			e.UpstreamStatus = t.LastStatus()
		}
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit trail: %w", err)
	}
	line = append(line, '\n')

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("audit trail: closed")
	}
	// One write per line: with O_APPEND each lands whole at the end, even
	// if another process appends to the same file.
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("audit trail: %w", unwrap(err))
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit trail: %w", unwrap(err))
	}
	return nil
}

// Close closes the file. Later Records fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// clientFrom names the MCP client behind ctx: from the request itself for
// 2026-07-28 clients, which introduce themselves on every request, and from
// the session's initialize otherwise.
func clientFrom(ctx context.Context) (name, version string) {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.ClientInfo != nil {
		return info.ClientInfo.Name, info.ClientInfo.Version
	}
	if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		ci := s.GetClientInfo()
		return ci.Name, ci.Version
	}
	return "", ""
}

// unwrap drops the path from a *fs.PathError: error texts reach MCP
// clients, which have no business with server file paths.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
