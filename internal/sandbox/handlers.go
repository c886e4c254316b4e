package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	maxBody    = 1 << 20
	timeLayout = "2006-01-02 15:04:05"
	maxLen     = 255
)

// endpoint handlers return a status and a JSON-encodable body so that
// ServeHTTP owns all header and encoding concerns.
type endpoint struct {
	method string
	handle func(s *Server, r *http.Request, body []byte) (int, any)
}

var endpoints = map[string]endpoint{
	"/api/atomic/customer/list":     {http.MethodGet, (*Server).listCustomers},
	"/api/atomic/customer/create":   {http.MethodPost, (*Server).createCustomer},
	"/api/atomic/customer/delete":   {http.MethodDelete, (*Server).deleteCustomer},
	"/api/atomic/service_plan/list": {http.MethodGet, (*Server).listPlans},
}

// errorBody mimics Laravel, which the provider's API appears to be built on.
type errorBody struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors,omitempty"`
}

func message(status int, msg string) (int, any) {
	return status, errorBody{Message: msg}
}

func invalid(errs map[string][]string) (int, any) {
	return http.StatusUnprocessableEntity, errorBody{Message: "The given data was invalid.", Errors: errs}
}

// ServeHTTP records the request, then routes, authenticates and handles it
// in the order Laravel would: unknown routes and methods are rejected before
// authentication.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	s.record(r, body)
	status, v := s.dispatch(r, body, readErr)
	writeJSON(w, status, v)
}

func (s *Server) dispatch(r *http.Request, body []byte, readErr error) (int, any) {
	route := strings.TrimPrefix(r.URL.Path, "/")
	ep, ok := endpoints[r.URL.Path]
	if !ok {
		return message(http.StatusNotFound, fmt.Sprintf("The route %s could not be found.", route))
	}
	if r.Method != ep.method {
		return message(http.StatusMethodNotAllowed, fmt.Sprintf(
			"The %s method is not supported for route %s. Supported methods: %s.", r.Method, route, ep.method))
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		return message(http.StatusUnauthorized, "Unauthenticated.")
	}
	if readErr != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](readErr); ok {
			return message(http.StatusRequestEntityTooLarge, "The request body is too large.")
		}
		return message(http.StatusBadRequest, "The request body could not be read.")
	}
	return ep.handle(s, r, body)
}

func (s *Server) authorized(got string) bool {
	if s.opts.Token == "" {
		return strings.TrimSpace(got) != ""
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are encoded, so this is a programming error.
		status, b = http.StatusInternalServerError, []byte(`{"message":"Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) listCustomers(r *http.Request, _ []byte) (int, any) {
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("customer_name")))
	s.mu.Lock()
	out := []Customer{}
	for _, c := range s.customers {
		if strings.Contains(strings.ToLower(c.CustomerName), q) {
			out = append(out, c.clone())
		}
	}
	s.mu.Unlock()
	return paginate(s.opts.PageSize, r, out)
}

func (s *Server) listPlans(r *http.Request, _ []byte) (int, any) {
	s.mu.Lock()
	out := slices.Clone(s.plans)
	s.mu.Unlock()
	return paginate(s.opts.PageSize, r, out)
}

type paging struct {
	Total     int `json:"total"`
	TotalPage int `json:"total_page"`
	Page      int `json:"page"`
}

type page[T any] struct {
	Data   []T    `json:"data"`
	Paging paging `json:"paging"`
}

func paginate[T any](size int, r *http.Request, items []T) (int, any) {
	if size <= 0 {
		return http.StatusOK, items
	}
	n := 1
	if p := r.URL.Query().Get("page"); p != "" {
		var err error
		if n, err = strconv.Atoi(p); err != nil {
			return invalid(map[string][]string{"page": {"The page field must be an integer."}})
		}
		if n < 1 {
			return invalid(map[string][]string{"page": {"The page field must be at least 1."}})
		}
	}
	total := len(items)
	lo := min((n-1)*size, total)
	hi := min(lo+size, total)
	return http.StatusOK, page[T]{
		Data: items[lo:hi],
		// Laravel reports one (empty) page even when there is nothing to list.
		Paging: paging{Total: total, TotalPage: max(1, (total+size-1)/size), Page: n},
	}
}

// The documented create parameters.
var (
	requiredFields = []string{"customer_name", "nickname", "addr_1", "postcode", "country"}
	optionalFields = []string{"abn", "addr_2", "city", "region", "website"}
)

func (s *Server) createCustomer(_ *http.Request, body []byte) (int, any) {
	in, ok := decodeObject(body)
	if !ok {
		return notObject()
	}
	vals := map[string]string{}
	errs := map[string][]string{}
	for _, f := range slices.Concat(requiredFields, optionalFields) {
		label := strings.ReplaceAll(f, "_", " ")
		raw, present := in[f]
		var val string
		if present && string(raw) != "null" {
			if err := json.Unmarshal(raw, &val); err != nil {
				errs[f] = []string{fmt.Sprintf("The %s field must be a string.", label)}
				continue
			}
		}
		// Laravel trims every input string before validation.
		val = strings.TrimSpace(val)
		switch {
		case val == "" && slices.Contains(requiredFields, f):
			errs[f] = []string{fmt.Sprintf("The %s field is required.", label)}
		case utf8.RuneCountInString(val) > maxLen:
			errs[f] = []string{fmt.Sprintf("The %s field must not be greater than %d characters.", label, maxLen)}
		}
		vals[f] = val
	}
	if len(errs) > 0 {
		return invalid(errs)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c := Customer{
		CustomerID:    s.nextID,
		CustomerName:  vals["customer_name"],
		AccountNumber: s.nextAccount,
		Nickname:      vals["nickname"],
		ABN:           vals["abn"],
		Addr1:         vals["addr_1"],
		Addr2:         vals["addr_2"],
		Postcode:      vals["postcode"],
		City:          vals["city"],
		Region:        vals["region"],
		Country:       vals["country"],
		Website:       vals["website"],
		CreatedDate:   s.now(),
	}
	s.nextID++
	s.nextAccount++
	s.customers = append(s.customers, c)
	return http.StatusOK, c
}

type deleted struct {
	Status       string `json:"status"`
	CustomerID   int64  `json:"customer_id"`
	CustomerName string `json:"customer_name"`
}

func (s *Server) deleteCustomer(_ *http.Request, body []byte) (int, any) {
	in, ok := decodeObject(body)
	if !ok {
		return notObject()
	}
	raw, ok := in["customer_id"]
	if !ok || string(raw) == "null" {
		return invalid(map[string][]string{"customer_id": {"The customer id field is required."}})
	}
	// A JSON integer literal is exactly what ParseInt accepts, so strings,
	// fractions and exponents are all rejected here.
	id, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return invalid(map[string][]string{"customer_id": {"The customer id field must be an integer."}})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.customers, func(c Customer) bool { return c.CustomerID == id })
	switch {
	case i < 0:
		return message(http.StatusNotFound, "Customer not found.")
	case s.customers[i].DeleteDate != nil:
		return message(http.StatusNotFound, "Customer already deleted.")
	}
	c := &s.customers[i]
	c.DeleteDate = new(s.now())
	return http.StatusOK, deleted{Status: "DELETED", CustomerID: c.CustomerID, CustomerName: c.CustomerName}
}

// decodeObject parses body as a JSON object; null, arrays and scalars are
// rejected like malformed JSON.
func decodeObject(body []byte) (map[string]json.RawMessage, bool) {
	var in map[string]json.RawMessage
	err := json.Unmarshal(body, &in)
	return in, err == nil && in != nil
}

func notObject() (int, any) {
	return message(http.StatusBadRequest, "The request body must be a JSON object.")
}

// now formats the clock in UTC: the documented timestamps carry no zone, and
// UTC keeps them independent of the host.
func (s *Server) now() string {
	return s.opts.Now().UTC().Format(timeLayout)
}
