package approval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Service is the browser approval of one server: its store, and where its
// pages are served. Either the server's own HTTP listener serves Handler
// (SetBaseURL says at which URL), or, on stdio, Service starts a loopback
// listener of its own the first time a link is needed.
type Service struct {
	*Store
	log *slog.Logger

	mu      sync.Mutex
	base    string // e.g. http://127.0.0.1:41234, no trailing slash
	srv     *http.Server
	lis     net.Listener
	started bool
}

// NewService returns a service whose links expire after ttl (0: DefaultTTL).
func NewService(ttl time.Duration, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: NewStore(ttl, nil), log: log}
}

// SetBaseURL says where Handler is served, e.g. the --public-url of the
// HTTP transport. It must be called before the first link is made.
func (s *Service) SetBaseURL(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.base = strings.TrimRight(base, "/")
}

// Handler serves the pages; an approving POST must come from the base URL's
// origin (or, before a base is set, the request's own Host).
func (s *Service) Handler() http.Handler {
	return s.Store.Handler(func(*http.Request) string { return s.origin() }, s.log)
}

func (s *Service) origin() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := url.Parse(s.base)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Link is the URL of approval id, starting the loopback listener if no
// base URL was set.
func (s *Service) Link(id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.base == "" {
		if err := s.listenLocked(); err != nil {
			return "", err
		}
	}
	return s.base + PathPrefix + url.PathEscape(id), nil
}

// listenLocked serves Handler on a free loopback port. s.mu held.
func (s *Service) listenLocked() error {
	if s.started {
		return errors.New("approval page: stopped")
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("approval page: listen on 127.0.0.1: %w", err)
	}
	s.lis, s.started = lis, true
	s.base = "http://" + lis.Addr().String()
	s.srv = &http.Server{
		Handler:           s.Store.Handler(func(*http.Request) string { return "http://" + lis.Addr().String() }, s.log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      deleteTimeout + 10*time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() { _ = s.srv.Serve(lis) }()
	s.log.Info("approval page listening", "url", s.base+PathPrefix)
	return nil
}

// Close stops the loopback listener, if one was started, letting a DELETE
// in flight finish.
func (s *Service) Close() {
	s.mu.Lock()
	srv := s.srv
	s.started = true // no listener after Close
	s.mu.Unlock()
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// ListenURL is the base URL of a listener bound to addr; a listener on
// every interface is linked through 127.0.0.1 (set --public-url to link a
// name others can reach).
func ListenURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
