package resources

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/sandbox"
)

// newServer registers the resources over a real API client talking to the
// sandbox, as app.New does.
func newServer(t *testing.T, api API) *server.MCPServer {
	t.Helper()
	s := server.NewMCPServer("t", "1", server.WithResourceCapabilities(false, false),
		server.WithCompletions(), server.WithResourceCompletionProvider(Completions(api)))
	Register(s, api)
	return s
}

func sandboxAPI(t *testing.T, opts sandbox.Options) API {
	t.Helper()
	opts.Token = "t"
	hs := httptest.NewServer(sandbox.New(opts))
	t.Cleanup(hs.Close)
	api, err := atomicapi.New(atomicapi.Options{BaseURL: hs.URL, Token: atomicapi.NewToken("t"), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func rpc(t *testing.T, s *server.MCPServer, method string, params any) (json.RawMessage, *rpcError) {
	t.Helper()
	ctx := context.Background()
	s.HandleMessage(ctx, json.RawMessage(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	raw, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	out, _ := json.Marshal(s.HandleMessage(ctx, raw))
	var resp struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Result, resp.Error
}

type contents struct {
	Contents []struct {
		URI      string `json:"uri"`
		MIMEType string `json:"mimeType"`
		Text     string `json:"text"`
	} `json:"contents"`
}

func read(t *testing.T, s *server.MCPServer, uri string) (string, *rpcError) {
	t.Helper()
	raw, rpcErr := rpc(t, s, "resources/read", map[string]any{"uri": uri})
	if rpcErr != nil {
		return "", rpcErr
	}
	var c contents
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Contents) != 1 || c.Contents[0].URI != uri || c.Contents[0].MIMEType != "application/json" {
		t.Fatalf("%s: %s, want one application/json content for the URI", uri, raw)
	}
	return c.Contents[0].Text, nil
}

func TestListed(t *testing.T) {
	s := newServer(t, sandboxAPI(t, sandbox.Options{}))
	raw, rpcErr := rpc(t, s, "resources/list", map[string]any{})
	if rpcErr != nil {
		t.Fatal(rpcErr)
	}
	var list struct {
		Resources []struct{ URI, Name, MIMEType string } `json:"resources"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Resources) != 1 || list.Resources[0].URI != PlansURI || list.Resources[0].Name == "" || list.Resources[0].MIMEType != "application/json" {
		t.Errorf("resources/list: %s", raw)
	}
	raw, rpcErr = rpc(t, s, "resources/templates/list", map[string]any{})
	if rpcErr != nil {
		t.Fatal(rpcErr)
	}
	if !strings.Contains(string(raw), `"uriTemplate":"atomic://customers/{customer_id}"`) {
		t.Errorf("resources/templates/list: %s", raw)
	}
}

func TestReadPlans(t *testing.T) {
	for _, c := range []struct {
		name string
		opts sandbox.Options
	}{
		{"bare list", sandbox.Options{}},
		{"paged list", sandbox.Options{PageSize: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			text, rpcErr := read(t, newServer(t, sandboxAPI(t, c.opts)), PlansURI)
			if rpcErr != nil {
				t.Fatal(rpcErr)
			}
			var got Plans
			dec := json.NewDecoder(strings.NewReader(text))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			want := []atomicapi.ServicePlan{
				{PlanID: 123, PlanName: "Acme Plan", Currency: "AUD", PlanType: "SIP Trunk", Price: "1.99"},
				{PlanID: 134, PlanName: "Test Plan", Currency: "AUD", PlanType: "SMS Plan", Price: "1.20"},
			}
			if !slices.Equal(got.Plans, want) {
				t.Errorf("plans %+v, want %+v", got.Plans, want)
			}
			if !strings.Contains(text, `"price": "1.20"`) {
				t.Errorf("price not kept exactly as the API gave it: %s", text)
			}
		})
	}
}

func TestNoPlansIsAnEmptyList(t *testing.T) {
	text, rpcErr := read(t, newServer(t, stubAPI{}), PlansURI)
	if rpcErr != nil {
		t.Fatal(rpcErr)
	}
	if strings.Join(strings.Fields(text), "") != `{"plans":[]}` {
		t.Errorf("no plans: %s", text)
	}
}

func TestReadCustomer(t *testing.T) {
	s := newServer(t, sandboxAPI(t, sandbox.Options{}))
	for _, c := range []struct {
		uri      string
		wantName string
		wantErr  string
	}{
		{"atomic://customers/6", "Redfern Print Co Pty Ltd", ""},
		{"atomic://customers/8", "Swan River Logistics Pty Ltd", ""}, // deleted, still readable
		{"atomic://customers/999", "", "no customer has customer_id 999"},
		{"atomic://customers/abc", "", `"abc" is not a customer_id`},
		{"atomic://customers/06", "", `"06" is not a customer_id`},
		{"atomic://customers/-6", "", `"-6" is not a customer_id`},
		{"atomic://customers/", "", "not a customer_id"},
		{"atomic://customers/99999999999999999999", "", "not a customer_id"},
	} {
		t.Run(c.uri, func(t *testing.T) {
			text, rpcErr := read(t, s, c.uri)
			if c.wantErr != "" {
				if rpcErr == nil {
					t.Fatalf("read %s: %s, want an error mentioning %q", c.uri, text, c.wantErr)
				}
				if !strings.Contains(rpcErr.Message, c.wantErr) {
					t.Errorf("error %q does not mention %q", rpcErr.Message, c.wantErr)
				}
				return
			}
			if rpcErr != nil {
				t.Fatal(rpcErr)
			}
			var got atomicapi.Customer
			if err := json.Unmarshal([]byte(text), &got); err != nil {
				t.Fatal(err)
			}
			if got.CustomerName != c.wantName || fmt.Sprintf("atomic://customers/%d", got.CustomerID) != c.uri {
				t.Errorf("read %s: %+v", c.uri, got)
			}
		})
	}
}

func TestUpstreamFailureIsReported(t *testing.T) {
	s := newServer(t, stubAPI{err: &atomicapi.Error{Kind: atomicapi.ErrUnavailable, Op: "list customers", Status: 503}})
	for _, uri := range []string{PlansURI, "atomic://customers/6"} {
		_, rpcErr := read(t, s, uri)
		if rpcErr == nil || !strings.Contains(rpcErr.Message, "unavailable") || !strings.Contains(rpcErr.Message, uri) {
			t.Errorf("read %s: %v, want the API's failure and the URI", uri, rpcErr)
		}
	}
}

type stubAPI struct {
	customers []atomicapi.Customer
	err       error
}

func (s stubAPI) ListCustomers(context.Context, string) ([]atomicapi.Customer, error) {
	return s.customers, s.err
}
func (s stubAPI) ListServicePlans(context.Context) ([]atomicapi.ServicePlan, error) {
	return nil, s.err
}

func completeID(t *testing.T, s *server.MCPServer, uri, arg, value string) (values []string, total int, hasMore bool) {
	t.Helper()
	raw, rpcErr := rpc(t, s, "completion/complete", map[string]any{
		"ref":      map[string]any{"type": "ref/resource", "uri": uri},
		"argument": map[string]any{"name": arg, "value": value},
	})
	if rpcErr != nil {
		t.Fatal(rpcErr)
	}
	var res struct {
		Completion struct {
			Values  []string `json:"values"`
			Total   int      `json:"total"`
			HasMore bool     `json:"hasMore"`
		} `json:"completion"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	return res.Completion.Values, res.Completion.Total, res.Completion.HasMore
}

func TestCompleteCustomerID(t *testing.T) {
	s := newServer(t, stubAPI{customers: []atomicapi.Customer{
		{CustomerID: 5, CustomerName: "waqi sc01"},
		{CustomerID: 6, CustomerName: "Redfern Print Co Pty Ltd"},
		{CustomerID: 16, CustomerName: "Print Hub Redfern"},
		{CustomerID: 60, CustomerName: "Salamanca Bookkeeping"},
	}})
	for _, c := range []struct {
		uri, arg, value string
		want            []string
	}{
		{CustomerTemplate, "customer_id", "", []string{"5", "6", "16", "60"}},
		{CustomerTemplate, "customer_id", "6", []string{"6", "60"}},
		{CustomerTemplate, "customer_id", "1", []string{"16"}},
		{CustomerTemplate, "customer_id", "7", []string{}},
		// Text matches names: starts-with first, then contains.
		{CustomerTemplate, "customer_id", "redf", []string{"6", "16"}},
		{CustomerTemplate, "customer_id", "BOOK", []string{"60"}},
		{CustomerTemplate, "other", "6", []string{}},
		{PlansURI, "customer_id", "6", []string{}},
	} {
		t.Run(c.uri+"/"+c.arg+"/"+c.value, func(t *testing.T) {
			got, _, _ := completeID(t, s, c.uri, c.arg, c.value)
			if !slices.Equal(got, c.want) {
				t.Errorf("values %q, want %q", got, c.want)
			}
		})
	}
}

func TestCompletionIsBounded(t *testing.T) {
	var many stubAPI
	for i := range 300 {
		many.customers = append(many.customers, atomicapi.Customer{CustomerID: int64(i + 1), CustomerName: fmt.Sprint("Customer ", i)})
	}
	values, total, hasMore := completeID(t, newServer(t, many), CustomerTemplate, "customer_id", "")
	if len(values) != 100 || total != 300 || !hasMore {
		t.Errorf("%d values, total %d, hasMore %v; want 100, 300, true", len(values), total, hasMore)
	}
}
