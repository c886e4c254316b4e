package atomicapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

func TestErrorMapping(t *testing.T) {
	laravel422 := `{"message":"The given data was invalid.","errors":{"postcode":["The postcode field is required."]}}`
	tests := []struct {
		name       string
		status     int
		body       string
		kind       error // nil: generic error
		contains   []string
		excludes   []string
		wantFields map[string][]string
	}{
		{name: "401", status: 401, body: `{"message":"Unauthenticated."}`, kind: atomicapi.ErrUnauthorized,
			contains: []string{"ATOMIC_API_TOKEN", "HTTP 401", "Profile Settings"}, excludes: []string{"Unauthenticated"}},
		{name: "403", status: 403, body: `Forbidden`, kind: atomicapi.ErrUnauthorized,
			contains: []string{"ATOMIC_API_TOKEN", "HTTP 403"}},
		{name: "404", status: 404, body: `{"message":"Customer not found"}`, kind: atomicapi.ErrNotFound,
			contains: []string{"not found", "HTTP 404", "Customer not found"}},
		{name: "404 HTML", status: 404, body: `<html><body>Not Found BODYTEXT</body></html>`, kind: atomicapi.ErrNotFound,
			contains: []string{"HTTP 404"}, excludes: []string{"BODYTEXT", "<html"}},
		{name: "422 Laravel validation", status: 422, body: laravel422, kind: atomicapi.ErrValidation,
			contains:   []string{"HTTP 422", "The given data was invalid.", "postcode", "The postcode field is required."},
			wantFields: map[string][]string{"postcode": {"The postcode field is required."}}},
		{name: "422 several fields, single-string message", status: 422,
			body: `{"message":"Invalid.","errors":{"postcode":["Required.","Must be 4 digits."],"country":"Unknown country."}}`, kind: atomicapi.ErrValidation,
			contains:   []string{"country: Unknown country.", "postcode: Required. Must be 4 digits."},
			wantFields: map[string][]string{"postcode": {"Required.", "Must be 4 digits."}, "country": {"Unknown country."}}},
		{name: "400 with error key", status: 400, body: `{"error":"customer_id must be an integer"}`, kind: atomicapi.ErrValidation,
			contains: []string{"HTTP 400", "customer_id must be an integer"}},
		{name: "409", status: 409, body: `{"message":"Customer already exists"}`, kind: atomicapi.ErrValidation,
			contains: []string{"HTTP 409", "Customer already exists"}},
		{name: "500", status: 500, body: `{"message":"Server Error"}`, kind: nil,
			contains: []string{"HTTP 500", "Server Error"}},
		{name: "500 non-JSON", status: 500, body: "<h1>Whoops, looks like something went wrong.</h1>\x00\x01", kind: nil,
			contains: []string{"HTTP 500"}, excludes: []string{"Whoops", "<h1>"}},
		{name: "500 empty", status: 500, body: ``, kind: nil, contains: []string{"HTTP 500"}},
		{name: "418 unexpected", status: 418, body: `{"message":["not","a","string"]}`, kind: nil, contains: []string{"HTTP 418"}},
		{name: "control characters cleaned", status: 404, body: `{"message":"line1\nline2\u001b[31mred\ttab"}`, kind: atomicapi.ErrNotFound,
			contains: []string{"line1 line2"}, excludes: []string{"\n", "\x1b", "\t"}},
		{name: "long message truncated", status: 404, body: `{"message":"` + strings.Repeat("z", 5000) + `"}`, kind: atomicapi.ErrNotFound,
			contains: []string{strings.Repeat("z", 300) + "…"}, excludes: []string{strings.Repeat("z", 301)}},
	}
	for _, ep := range endpoints {
		for _, tt := range tests {
			t.Run(ep.name+"/"+tt.name, func(t *testing.T) {
				up := newUpstream(t, fixed(tt.status, tt.body))
				c := newClient(t, up.URL)
				err := ep.call(context.Background(), c)
				ae := wantKind(t, err, tt.kind)
				if ae.Status != tt.status {
					t.Errorf("Status %d, want %d", ae.Status, tt.status)
				}
				if ae.Op == "" || !strings.HasPrefix(err.Error(), ae.Op+": ") {
					t.Errorf("error %q does not start with its operation %q", err, ae.Op)
				}
				// What a person is told: the error with its advice.
				told := advice.Explain(err)
				for _, s := range tt.contains {
					if !strings.Contains(told, s) {
						t.Errorf("%q does not contain %q", told, s)
					}
				}
				for _, s := range tt.excludes {
					if strings.Contains(told, s) {
						t.Errorf("%q contains %q", told, s)
					}
				}
				// The client itself names no setting: that is advice.
				if strings.Contains(err.Error(), "ATOMIC_") {
					t.Errorf("the client's error %q names a setting", err)
				}
				if tt.wantFields != nil && !reflect.DeepEqual(ae.Fields, tt.wantFields) {
					t.Errorf("Fields %v, want %v", ae.Fields, tt.wantFields)
				}
				if up.count() != 1 {
					t.Errorf("%d requests, want 1", up.count())
				}
			})
		}
	}
}

func TestErrorSentinelsDistinct(t *testing.T) {
	for i, a := range sentinels {
		e := &atomicapi.Error{Kind: a, Op: "op", Status: 400}
		for j, b := range sentinels {
			if errors.Is(e, b) != (i == j) {
				t.Errorf("errors.Is(Error{Kind:%v}, %v) = %v", a, b, !(i == j))
			}
		}
	}
	cause := errors.New("cause")
	if e := (&atomicapi.Error{Kind: atomicapi.ErrUnavailable, Err: cause}); !errors.Is(e, cause) {
		t.Error("Unwrap does not expose the cause")
	}
	if e := (&atomicapi.Error{Kind: atomicapi.ErrRateLimited, Op: "x", Status: 429}); !strings.Contains(e.Error(), "retry in a few seconds") {
		t.Errorf("rate limited without Retry-After: %q", e)
	}
}

// echoBody is an error body of an upstream that repeats the token back in
// every place an error body can carry text.
func echoBody() string {
	tok := testToken
	b, _ := json.Marshal(map[string]any{
		"message": "Invalid token " + tok + " supplied",
		"error":   tok,
		"errors": map[string]any{
			tok:             []string{"unknown field " + tok},
			"authorization": []string{"The token " + tok + " has expired.", strings.Repeat("p", 290) + tok},
			"header":        "Authorization: " + tok,
		},
	})
	return string(b)
}

func TestTokenNeverInErrors(t *testing.T) {
	type scenario struct {
		name    string
		handler func(int, http.ResponseWriter, *http.Request)
		mod     func(*atomicapi.Options)
		base    string
	}
	var scenarios []scenario
	for _, status := range []int{400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504} {
		scenarios = append(scenarios,
			scenario{name: fmt.Sprintf("echo JSON %d", status), handler: fixed(status, echoBody())},
			scenario{name: fmt.Sprintf("echo text %d", status), handler: fixed(status, "bad token: "+testToken)},
			scenario{name: fmt.Sprintf("long message %d", status), handler: fixed(status, `{"message":"`+strings.Repeat("q", 295)+testToken+`"}`)},
		)
	}
	scenarios = append(scenarios,
		scenario{name: "HTML 200 echo", handler: fixed(200, "<html>"+testToken+"</html>")},
		scenario{name: "text 200 echo", handler: fixed(200, testToken)},
		scenario{name: "echo JSON 200 without a list", handler: fixed(200, echoBody())},
		scenario{name: "too large", handler: fixed(200, `["`+testToken+strings.Repeat("x", 2000)+`"]`), mod: func(o *atomicapi.Options) { o.MaxBodyBytes = 1024 }},
		scenario{name: "Retry-After echo", handler: func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", testToken)
			reply(w, 429, echoBody())
		}},
		scenario{name: "connection dropped", handler: func(_ int, w http.ResponseWriter, _ *http.Request) { hangUp(w) }},
		scenario{name: "timeout", handler: slowHandler(nil), mod: func(o *atomicapi.Options) { o.RequestTimeout = 30 * time.Millisecond }},
		scenario{name: "connection refused", base: closedAddress(t)},
	)
	for _, ep := range endpoints {
		for _, sc := range scenarios {
			t.Run(ep.name+"/"+sc.name, func(t *testing.T) {
				base := sc.base
				if sc.handler != nil {
					base = newUpstream(t, sc.handler).URL
				}
				mods := []func(*atomicapi.Options){}
				if sc.mod != nil {
					mods = append(mods, sc.mod)
				}
				c := newClient(t, base, mods...)
				err := ep.call(context.Background(), c)
				if err == nil {
					if ep.method == http.MethodDelete && sc.name == "echo JSON 200 without a list" {
						return // DeleteCustomer accepts any 2xx JSON object
					}
					t.Fatal("want an error")
				}
				assertNoToken(t, err)
				if strings.Contains(sc.name, "echo JSON") && !strings.HasSuffix(sc.name, " 401") && !strings.HasSuffix(sc.name, " 403") && !strings.Contains(sc.name, "200") {
					// The upstream's words survive, with the token redacted.
					if !strings.Contains(err.Error(), "Invalid token [REDACTED] supplied") {
						t.Errorf("error %q lost the upstream message or did not redact it", err)
					}
				}
			})
		}
	}
	t.Run("cancelled", func(t *testing.T) {
		up := newUpstream(t, func(_ int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		c := newClient(t, up.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.ListCustomers(ctx, "")
		if err == nil {
			t.Fatal("want an error")
		}
		assertNoToken(t, err)
	})
}

// TestTokenNeverInMalformedErrors: a 2xx answer that repeats the token in a
// field the client cannot decode must not carry the token into the error.
func TestTokenNeverInMalformedErrors(t *testing.T) {
	tok := testToken
	bodies := map[string]string{
		"list id":      `[{"customer_id":"` + tok + `","plan_id":"` + tok + `"}]`,
		"list date":    `[{"customer_id":1,"created_date":"` + tok + `"}]`,
		"paging":       `{"data":[],"paging":{"page":"` + tok + `"}}`,
		"create id":    `{"customer_id":"` + tok + `"}`,
		"created date": `{"customer_id":1,"created_date":"` + tok + `"}`,
	}
	for _, ep := range endpoints {
		for name, body := range bodies {
			t.Run(ep.name+"/"+name, func(t *testing.T) {
				up := newUpstream(t, fixed(200, body))
				c := newClient(t, up.URL)
				err := ep.call(context.Background(), c)
				if err == nil {
					return // e.g. the delete answer has no date to trip over
				}
				assertNoToken(t, err)
			})
		}
	}
}

func TestTokenRedactedWhenPrinted(t *testing.T) {
	tok := atomicapi.NewToken(testToken)
	opts := atomicapi.Options{BaseURL: "https://example.com", Token: tok, Version: "1"}
	holder := struct {
		Name  string
		Token atomicapi.Token
		Ptr   *atomicapi.Token
	}{"x", tok, &tok}

	var jsonLog, textLog bytes.Buffer
	jl := slog.New(slog.NewJSONHandler(&jsonLog, nil))
	jl.Info("token", "token", tok, "ptr", &tok, "opts", opts, "holder", holder)
	jl.Info("grouped", slog.Group("g", slog.Any("token", tok)))
	tl := slog.New(slog.NewTextHandler(&textLog, nil))
	tl.Info("token", "token", tok, "opts", opts, "holder", holder)

	var stdLog bytes.Buffer
	log.New(&stdLog, "", 0).Printf("%v %+v", tok, opts)

	jsonTok, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	jsonHolder, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	jsonMap, err := json.Marshal(map[string]atomicapi.Token{"k": tok})
	if err != nil {
		t.Fatal(err)
	}
	text, err := tok.MarshalText()
	if err != nil {
		t.Fatal(err)
	}

	cases := map[string]string{
		"%v":           fmt.Sprintf("%v", tok),
		"%+v":          fmt.Sprintf("%+v", tok),
		"%#v":          fmt.Sprintf("%#v", tok),
		"%s":           fmt.Sprintf("%s", tok),
		"%q":           fmt.Sprintf("%q", tok),
		"%x":           fmt.Sprintf("%x", tok),
		"pointer %v":   fmt.Sprintf("%v", &tok),
		"pointer %+v":  fmt.Sprintf("%+v", &tok),
		"Print":        fmt.Sprint(tok),
		"Println":      fmt.Sprintln(tok),
		"String":       tok.String(),
		"GoString":     tok.GoString(),
		"options %+v":  fmt.Sprintf("%+v", opts),
		"options %#v":  fmt.Sprintf("%#v", opts),
		"holder %+v":   fmt.Sprintf("%+v", holder),
		"holder %#v":   fmt.Sprintf("%#v", holder),
		"slices":       fmt.Sprintf("%v %+v", []atomicapi.Token{tok}, map[string]atomicapi.Token{"k": tok}),
		"json":         string(jsonTok),
		"json struct":  string(jsonHolder),
		"json map":     string(jsonMap),
		"MarshalText":  string(text),
		"slog JSON":    jsonLog.String(),
		"slog text":    textLog.String(),
		"log.Printf":   stdLog.String(),
		"LogValue":     tok.LogValue().String(),
		"error wrap":   fmt.Errorf("with %v", tok).Error(),
		"sprintf %10s": fmt.Sprintf("%10s", tok),
	}
	for name, s := range cases {
		if strings.Contains(s, testToken) || strings.Contains(s, "9Qx7") {
			t.Errorf("%s prints the token: %s", name, s)
		}
		if !strings.Contains(s, "[REDACTED]") && !strings.Contains(s, fmt.Sprintf("%x", "[REDACTED]")) {
			t.Errorf("%s does not print [REDACTED]: %s", name, s)
		}
	}
	if string(jsonTok) != `"[REDACTED]"` {
		t.Errorf("json.Marshal(token) = %s", jsonTok)
	}
	var rec map[string]any
	if err := json.Unmarshal(bytes.SplitN(jsonLog.Bytes(), []byte("\n"), 2)[0], &rec); err != nil {
		t.Fatalf("slog JSON output is not JSON: %v", err)
	}
	if rec["token"] != "[REDACTED]" {
		t.Errorf("slog JSON token attribute = %#v, want \"[REDACTED]\"", rec["token"])
	}
	if tok.IsZero() || !atomicapi.NewToken("").IsZero() || !(atomicapi.Token{}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

// TestClientValueDoesNotPrintToken: a Client (or anything holding the token
// in an unexported field) printed with %+v bypasses Token.String, because fmt
// cannot call methods on unexported fields.
func TestClientValueDoesNotPrintToken(t *testing.T) {
	c := newClient(t, "https://example.com")
	var textLog bytes.Buffer
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("client", "client", c)
	for _, s := range []string{fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", *c), textLog.String()} {
		if strings.Contains(s, testToken) {
			t.Errorf("printing the client shows the token: %.200s…", s)
		}
	}
}
