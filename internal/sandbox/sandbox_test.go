package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	token      = "test-token"
	listPath   = "/api/atomic/customer/list"
	createPath = "/api/atomic/customer/create"
	deletePath = "/api/atomic/customer/delete"
	plansPath  = "/api/atomic/service_plan/list"
)

// fixedNow matches the created_date of the documented create example.
var fixedNow = time.Date(2025, 2, 19, 11, 15, 27, 0, time.UTC)

func newServer(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	return New(opts)
}

func newRequest(method, target, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Header.Set("Authorization", token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// do serves req and returns the status and body, checking the content type
// that every response must carry.
func do(t *testing.T, s *Server, req *http.Request) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type = %q, want application/json", req.Method, req.URL, ct)
	}
	return rec.Code, rec.Body.String()
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return v
}

func ids(cs []Customer) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.CustomerID)
	}
	return out
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		header string // "" leaves the header out
		want   int
	}{
		{"open, missing", "", "", http.StatusUnauthorized},
		{"open, blank", "", "  ", http.StatusUnauthorized},
		{"open, any value", "", "whatever", http.StatusOK},
		{"token, missing", token, "", http.StatusUnauthorized},
		{"token, wrong", token, "nope", http.StatusUnauthorized},
		{"token, bearer prefix", token, "Bearer " + token, http.StatusUnauthorized},
		{"token, exact", token, token, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(Options{Token: tt.token})
			req := newRequest(http.MethodGet, plansPath, "")
			req.Header.Del("Authorization")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			status, body := do(t, s, req)
			if status != tt.want {
				t.Fatalf("status = %d, want %d (body %s)", status, tt.want, body)
			}
			if status == http.StatusUnauthorized && body != `{"message":"Unauthenticated."}` {
				t.Errorf("body = %s", body)
			}
			if got := s.CountRequests(http.MethodGet, plansPath); got != 1 {
				t.Errorf("recorded %d requests, want 1", got)
			}
		})
	}
}

func TestListCustomers(t *testing.T) {
	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{5, 6, 7, 8, 9}},
		{"?customer_name=", []int64{5, 6, 7, 8, 9}},
		{"?customer_name=PRINT", []int64{6}},
		{"?customer_name=waqi", []int64{5}},
		{"?customer_name=pty+ltd", []int64{6, 7, 8}},
		{"?customer_name=swan", []int64{8}}, // soft-deleted customers are listed
		{"?customer_name=%20BookKeeping%20", []int64{9}},
		{"?customer_name=nobody", []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, body := do(t, newServer(Options{}), newRequest(http.MethodGet, listPath+tt.query, ""))
			if status != http.StatusOK {
				t.Fatalf("status = %d, body %s", status, body)
			}
			if got := ids(decode[[]Customer](t, body)); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListMatchesDocumentation(t *testing.T) {
	const doc = `[{"customer_id": 5, "customer_name": "waqi sc01", "account_number": 12345,
		"nickname": "test 01", "abn": "123455", "addr_1": "test sc01", "addr_2": "",
		"postcode": "3000", "city": "MELBOURNE", "region": "Victoria", "country": "Australia",
		"website": "", "created_date": "2022-07-25 02:42:02", "delete_date": null}]`
	_, body := do(t, newServer(Options{}), newRequest(http.MethodGet, listPath+"?customer_name=waqi", ""))
	if got, want := decode[any](t, body), decode[any](t, doc); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestListPlans(t *testing.T) {
	const want = `[{"plan_id":123,"plan_name":"Acme Plan","currency":"AUD","plan_type":"SIP Trunk","price":"1.99"},` +
		`{"plan_id":134,"plan_name":"Test Plan","currency":"AUD","plan_type":"SMS Plan","price":"1.20"}]`
	status, body := do(t, newServer(Options{Empty: true}), newRequest(http.MethodGet, plansPath, ""))
	if status != http.StatusOK || body != want {
		t.Errorf("got %d %s\nwant %s", status, body, want)
	}
}

func TestCreateCustomer(t *testing.T) {
	s := newServer(Options{})
	status, body := do(t, s, newRequest(http.MethodPost, createPath,
		`{"customer_name":" ABC ","nickname":"ABC","addr_1":"123 Some Street","postcode":"4000",
		  "country":"Australia","city":null,"plan_id":123}`))
	const want = `{"customer_id":10,"customer_name":"ABC","account_number":12350,"nickname":"ABC","abn":"",` +
		`"addr_1":"123 Some Street","addr_2":"","postcode":"4000","city":"","region":"","country":"Australia",` +
		`"website":"","created_date":"2025-02-19 11:15:27","delete_date":null}`
	if status != http.StatusOK || body != want {
		t.Fatalf("got %d %s\nwant %s", status, body, want)
	}

	_, body = do(t, s, newRequest(http.MethodPost, createPath,
		`{"customer_name":"ABC","nickname":"ABC","addr_1":"1 St","postcode":"4000","country":"Australia"}`))
	if c := decode[Customer](t, body); c.CustomerID != 11 || c.AccountNumber != 12351 {
		t.Errorf("second create got id %d account %d, want 11 and 12351", c.CustomerID, c.AccountNumber)
	}
	if got := ids(s.Customers()); !slices.Equal(got, []int64{5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("customers = %v", got)
	}
}

func TestCreateCustomerRejects(t *testing.T) {
	valid := map[string]any{
		"customer_name": "ABC", "nickname": "ABC", "addr_1": "1 St", "postcode": "4000", "country": "Australia",
	}
	with := func(k string, v any) string {
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		m[k] = v
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name   string
		body   string
		status int
		errors map[string][]string
	}{
		{"all required missing", `{"abn":"51824753556"}`, 422, map[string][]string{
			"customer_name": {"The customer name field is required."},
			"nickname":      {"The nickname field is required."},
			"addr_1":        {"The addr 1 field is required."},
			"postcode":      {"The postcode field is required."},
			"country":       {"The country field is required."},
		}},
		{"blank after trim", with("postcode", "   "), 422, map[string][]string{
			"postcode": {"The postcode field is required."},
		}},
		{"null required", with("country", nil), 422, map[string][]string{
			"country": {"The country field is required."},
		}},
		{"number", with("postcode", 4000), 422, map[string][]string{
			"postcode": {"The postcode field must be a string."},
		}},
		{"optional not a string", with("abn", []string{"x"}), 422, map[string][]string{
			"abn": {"The abn field must be a string."},
		}},
		{"too long", with("website", strings.Repeat("é", 256)), 422, map[string][]string{
			"website": {"The website field must not be greater than 255 characters."},
		}},
		{"max length", with("website", strings.Repeat("é", 255)), 200, nil},
		{"array body", `[]`, 400, nil},
		{"null body", `null`, 400, nil},
		{"malformed", `{"customer_name":`, 400, nil},
		{"trailing data", with("abn", "") + `{}`, 400, nil},
		{"empty body", ``, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(Options{})
			status, body := do(t, s, newRequest(http.MethodPost, createPath, tt.body))
			if status != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", status, tt.status, body)
			}
			got := decode[errorBody](t, body)
			switch {
			case status == 422 && got.Message != "The given data was invalid.":
				t.Errorf("message = %q", got.Message)
			case status == 400 && got.Message == "":
				t.Errorf("missing message: %s", body)
			}
			if !reflect.DeepEqual(got.Errors, tt.errors) {
				t.Errorf("errors = %v, want %v", got.Errors, tt.errors)
			}
			if wantLen := 5 + btoi(status == 200); len(s.Customers()) != wantLen {
				t.Errorf("%d customers, want %d", len(s.Customers()), wantLen)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestDeleteCustomer(t *testing.T) {
	s := newServer(Options{})
	status, body := do(t, s, newRequest(http.MethodDelete, deletePath, "{\n\"customer_id\": 6\n}"))
	if want := `{"status":"DELETED","customer_id":6,"customer_name":"Redfern Print Co Pty Ltd"}`; status != 200 || body != want {
		t.Fatalf("got %d %s, want 200 %s", status, body, want)
	}
	c := s.Customers()[1]
	if c.CustomerID != 6 || c.DeleteDate == nil || *c.DeleteDate != "2025-02-19 11:15:27" {
		t.Errorf("after delete: %+v", c)
	}
	status, body = do(t, s, newRequest(http.MethodDelete, deletePath, `{"customer_id":6}`))
	if status != 404 || body != `{"message":"Customer already deleted."}` {
		t.Errorf("second delete: %d %s", status, body)
	}
}

func TestDeleteCustomerRejects(t *testing.T) {
	tests := []struct {
		body   string
		status int
		want   string
	}{
		{`{"customer_id":404}`, 404, `{"message":"Customer not found."}`},
		{`{"customer_id":8}`, 404, `{"message":"Customer already deleted."}`},
		{`{"customer_id":"6"}`, 422, `{"message":"The given data was invalid.","errors":{"customer_id":["The customer id field must be an integer."]}}`},
		{`{"customer_id":6.5}`, 422, `{"message":"The given data was invalid.","errors":{"customer_id":["The customer id field must be an integer."]}}`},
		{`{"customer_id":6e0}`, 422, `{"message":"The given data was invalid.","errors":{"customer_id":["The customer id field must be an integer."]}}`},
		{`{"customer_id":99999999999999999999}`, 422, `{"message":"The given data was invalid.","errors":{"customer_id":["The customer id field must be an integer."]}}`},
		{`{"customer_id":null}`, 422, `{"message":"The given data was invalid.","errors":{"customer_id":["The customer id field is required."]}}`},
		{`{"id":6}`, 422, `{"message":"The given data was invalid.","errors":{"customer_id":["The customer id field is required."]}}`},
		{`6`, 400, `{"message":"The request body must be a JSON object."}`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			s := newServer(Options{})
			status, body := do(t, s, newRequest(http.MethodDelete, deletePath, tt.body))
			if status != tt.status || body != tt.want {
				t.Errorf("got %d %s\nwant %d %s", status, body, tt.status, tt.want)
			}
			if c := s.Customers()[1]; c.DeleteDate != nil {
				t.Errorf("customer 6 deleted by a rejected request")
			}
		})
	}
}

func TestPagination(t *testing.T) {
	tests := []struct {
		path   string
		status int
		want   []int64
		paging paging
	}{
		{listPath, 200, []int64{5, 6}, paging{5, 3, 1}},
		{listPath + "?page=2", 200, []int64{7, 8}, paging{5, 3, 2}},
		{listPath + "?page=3", 200, []int64{9}, paging{5, 3, 3}},
		{listPath + "?page=4", 200, []int64{}, paging{5, 3, 4}},
		{listPath + "?customer_name=zzz", 200, []int64{}, paging{0, 1, 1}},
		{listPath + "?customer_name=pty&page=2", 200, []int64{8}, paging{3, 2, 2}},
		{plansPath, 200, []int64{123, 134}, paging{2, 1, 1}},
		{plansPath + "?page=2", 200, []int64{}, paging{2, 1, 2}},
		{listPath + "?page=0", 422, nil, paging{}},
		{listPath + "?page=x", 422, nil, paging{}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := do(t, newServer(Options{PageSize: 2}), newRequest(http.MethodGet, tt.path, ""))
			if status != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", status, tt.status, body)
			}
			if status != 200 {
				return
			}
			if !strings.Contains(body, `"data":[`) {
				t.Errorf("data is not an array: %s", body)
			}
			// One struct decodes both lists; the other ID stays zero.
			got := decode[page[struct {
				CustomerID int64 `json:"customer_id"`
				PlanID     int64 `json:"plan_id"`
			}]](t, body)
			gotIDs := []int64{}
			for _, d := range got.Data {
				gotIDs = append(gotIDs, d.CustomerID+d.PlanID)
			}
			if !slices.Equal(gotIDs, tt.want) || got.Paging != tt.paging {
				t.Errorf("got %v %+v, want %v %+v", gotIDs, got.Paging, tt.want, tt.paging)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	tests := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/api/atomic/customer/nope", "", 404, `{"message":"The route api/atomic/customer/nope could not be found."}`},
		{"GET", listPath + "/", "", 404, `{"message":"The route api/atomic/customer/list/ could not be found."}`},
		{"POST", listPath, "", 405, `{"message":"The POST method is not supported for route api/atomic/customer/list. Supported methods: GET."}`},
		{"GET", deletePath, "", 405, `{"message":"The GET method is not supported for route api/atomic/customer/delete. Supported methods: DELETE."}`},
		{"POST", createPath, strings.Repeat(" ", maxBody) + "{}", 413, `{"message":"The request body is too large."}`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			status, body := do(t, newServer(Options{}), newRequest(tt.method, tt.path, tt.body))
			if status != tt.status || body != tt.want {
				t.Errorf("got %d %s\nwant %d %s", status, body, tt.status, tt.want)
			}
		})
	}
}

func TestRequestsRecorded(t *testing.T) {
	s := newServer(Options{Token: token})
	req := newRequest(http.MethodDelete, deletePath+"?x=1", `{"customer_id":6}`)
	req.Header.Set("User-Agent", "atomic-mcp/test")
	do(t, s, req)
	bad := newRequest(http.MethodGet, listPath, "")
	bad.Header.Set("Authorization", "wrong")
	do(t, s, bad)

	want := []Request{
		{Method: "DELETE", Path: deletePath, RawQuery: "x=1", Authorization: token,
			UserAgent: "atomic-mcp/test", ContentType: "application/json", Body: []byte(`{"customer_id":6}`)},
		{Method: "GET", Path: listPath, Authorization: "wrong"},
	}
	got := s.Requests()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Requests() = %+v\nwant %+v", got, want)
	}
	got[0].Body[0] = 'X'
	if s.Requests()[0].Body[0] != '{' {
		t.Error("Requests() shares bodies with the server")
	}
	if n := s.CountRequests("DELETE", deletePath); n != 1 {
		t.Errorf("CountRequests = %d, want 1", n)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after reset", n)
	}
}

func TestRequestsBounded(t *testing.T) {
	s := newServer(Options{})
	for i := range maxRequests + 5 {
		s.record(httptest.NewRequest(http.MethodGet, fmt.Sprintf("%s?n=%d", plansPath, i), nil), nil)
	}
	got := s.Requests()
	if len(got) != maxRequests || got[0].RawQuery != "n=5" || got[len(got)-1].RawQuery != fmt.Sprintf("n=%d", maxRequests+4) {
		t.Errorf("kept %d requests from %q to %q", len(got), got[0].RawQuery, got[len(got)-1].RawQuery)
	}
}

func TestCustomersSnapshot(t *testing.T) {
	s := newServer(Options{})
	*s.Customers()[3].DeleteDate = "tampered"
	if got := *s.Customers()[3].DeleteDate; got != "2024-11-02 06:30:00" {
		t.Errorf("delete_date = %q after tampering with a snapshot", got)
	}
}

func TestEmpty(t *testing.T) {
	s := newServer(Options{Empty: true})
	if _, body := do(t, s, newRequest(http.MethodGet, listPath, "")); body != "[]" {
		t.Errorf("list = %s, want []", body)
	}
	_, body := do(t, s, newRequest(http.MethodPost, createPath,
		`{"customer_name":"A","nickname":"A","addr_1":"1 St","postcode":"4000","country":"Australia"}`))
	if c := decode[Customer](t, body); c.CustomerID != 1 {
		t.Errorf("first id = %d, want 1", c.CustomerID)
	}
}

func TestConcurrentCreates(t *testing.T) {
	s := newServer(Options{Empty: true})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			do(t, s, newRequest(http.MethodPost, createPath,
				`{"customer_name":"A","nickname":"A","addr_1":"1 St","postcode":"4000","country":"Australia"}`))
			s.Requests()
		})
	}
	wg.Wait()
	got := ids(s.Customers())
	want := make([]int64, 20)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ids = %v", got)
	}
}

// validABN applies the ATO checksum: subtract 1 from the first digit, weight
// the digits and require the sum to be divisible by 89.
func validABN(abn string) bool {
	weights := [11]int{10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19}
	if len(abn) != len(weights) {
		return false
	}
	sum := 0
	for i, r := range abn {
		if r < '0' || r > '9' {
			return false
		}
		d := int(r - '0')
		if i == 0 {
			d--
		}
		sum += d * weights[i]
	}
	return sum%89 == 0
}

func TestSeed(t *testing.T) {
	for abn, want := range map[string]bool{"51824753556": true, "51824753557": false, "123455": false} {
		if validABN(abn) != want {
			t.Fatalf("validABN(%s) != %v", abn, want)
		}
	}
	deleted := 0
	for _, c := range seedCustomers() {
		if c.DeleteDate != nil {
			deleted++
		}
		if strings.Contains(strings.ToLower(c.CustomerName), "harbour") {
			t.Errorf("seed must not contain the demo customer: %q", c.CustomerName)
		}
		if c.CustomerID == 5 { // the documented example, ABN as published
			continue
		}
		if !validABN(c.ABN) {
			t.Errorf("%s: ABN %s fails the checksum", c.CustomerName, c.ABN)
		}
		if len(c.Postcode) != 4 || c.Website == "" || c.Country != "Australia" {
			t.Errorf("%s: incomplete seed %+v", c.CustomerName, c)
		}
	}
	if deleted != 1 {
		t.Errorf("%d soft-deleted seed customers, want 1", deleted)
	}
}

func TestStartClose(t *testing.T) {
	get := func(base string) (int, error) {
		req, err := http.NewRequest(http.MethodGet, base+plansPath, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return resp.StatusCode, nil
	}

	t.Run("Close", func(t *testing.T) {
		s := newServer(Options{Token: token})
		base, err := s.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Errorf("base URL = %q", base)
		}
		if status, err := get(base); err != nil || status != 200 {
			t.Fatalf("GET: %d %v", status, err)
		}
		if _, err := s.Start(t.Context()); err == nil {
			t.Error("second Start succeeded")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := get(base); err == nil {
			t.Error("GET succeeded after Close")
		}
	})

	t.Run("context", func(t *testing.T) {
		s := newServer(Options{})
		ctx, cancel := context.WithCancel(t.Context())
		base, err := s.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		// Closing runs asynchronously after cancellation.
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, err := get(base); err != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("server still serving after its context was cancelled")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close after cancel: %v", err)
		}
	})

	t.Run("unstarted", func(t *testing.T) {
		if err := New(Options{}).Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}
