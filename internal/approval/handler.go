package approval

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

//go:embed page.html.tmpl
var pageSource string

// page is parsed when the first approval page is served, not at start-up.
var page = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageSource)) })

// PathPrefix is where approval pages are served.
const PathPrefix = "/approve/"

// deleteTimeout bounds the DELETE an approval sends; it runs detached from
// the browser's request, so that closing the tab cannot cut it in half.
const deleteTimeout = 30 * time.Second

// Handler serves GET and POST /approve/{id}. origin is the page's own
// origin (scheme://host[:port]), which an approving POST must come from; if
// it returns "", the request's own Host is used.
func (s *Store) Handler(origin func(r *http.Request) string, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathPrefix+"{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		rec, ok := s.get(r.PathValue("id"))
		var view Record
		if ok {
			view = *rec
		}
		s.mu.Unlock()
		if !ok {
			render(w, http.StatusNotFound, view, "This approval link is not valid, or it expired long ago. Nothing was deleted. Ask your assistant to start the delete again.")
			return
		}
		render(w, statusOf(view), view, "")
	})
	mux.HandleFunc("POST "+PathPrefix+"{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		want := origin(r)
		if want == "" {
			want = "http://" + r.Host
		}
		if !sameOrigin(r, want) {
			log.WarnContext(r.Context(), "approval refused: not from the approval page", "origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
			http.Error(w, "Forbidden: approvals are accepted only from the approval page itself.", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Bad request", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		rec, ok := s.get(id)
		csrf := ""
		if ok {
			csrf = rec.csrf
		}
		s.mu.Unlock()
		if !ok {
			render(w, http.StatusNotFound, Record{}, "This approval link is not valid, or it expired long ago. Nothing was deleted.")
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(csrf)) != 1 {
			log.WarnContext(r.Context(), "approval refused: missing or wrong CSRF token")
			http.Error(w, "Forbidden: the form is missing its token. Open the approval link again.", http.StatusForbidden)
			return
		}
		approve := r.PostFormValue("decision") == "delete"
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), deleteTimeout)
		defer cancel()
		s.decide(ctx, id, approve)
		// Post/Redirect/Get: a reload shows the outcome and sends nothing.
		http.Redirect(w, r, PathPrefix+url.PathEscape(id), http.StatusSeeOther)
	})
	return secured(mux)
}

// sameOrigin accepts a POST only from the page's own origin: the Origin
// header must be present and equal, and Sec-Fetch-Site, where the browser
// sends it, must say same-origin.
func sameOrigin(r *http.Request, want string) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	got := r.Header.Get("Origin")
	return got != "" && strings.EqualFold(strings.TrimRight(got, "/"), strings.TrimRight(want, "/"))
}

// secured adds the headers every approval response carries: no framing
// (clickjacking), no third-party anything, no caching, and no referrer
// leaking the id to another site. (no-referrer would be stricter, but makes
// the browser send "Origin: null" with the page's own POST, which the origin
// check must then refuse.)
func secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func statusOf(r Record) int {
	switch r.State {
	case Expired:
		return http.StatusGone
	default:
		return http.StatusOK
	}
}

type view struct {
	Title, Action, CSRF, Expires, Message string
	Card                                  Card
	Pending, Good                         bool
}

func render(w http.ResponseWriter, status int, r Record, message string) {
	v := view{Card: r.Card, Message: message, Action: PathPrefix + url.PathEscape(r.ID)}
	switch {
	case message != "":
		v.Title = "Approval link not valid"
	case r.State == Pending:
		v.Title, v.Pending, v.CSRF = "Delete this customer?", true, r.csrf
		v.Expires = r.Expires.Format("15:04:05 MST")
	case r.State == Deleted:
		v.Title, v.Good = "Customer deleted", true
		v.Message = fmt.Sprintf("%s (customer_id %d) was deleted at your request at %s.", r.Card.Name, r.Card.CustomerID, r.DecidedAt.Format("15:04:05 MST"))
	case r.State == Deleting:
		v.Title, v.Message = "Deleting…", "The delete was approved and is being sent. Reload this page in a few seconds to see the outcome."
	case r.State == Failed:
		v.Title, v.Message = "Delete failed", "You approved the delete, but it did not succeed: "+r.Outcome.Message
	case r.State == Declined:
		v.Title, v.Good = "Delete cancelled", true
		v.Message = "You cancelled. Nothing was deleted."
	case r.State == Expired:
		v.Title, v.Message = "Approval link expired", "This approval link has expired. Nothing was deleted. Ask your assistant to start the delete again."
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := page().Execute(w, v); err != nil {
		// Headers are gone; the connection will show a truncated page.
		return
	}
}
