package atomicapi_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/advice"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

func TestCustomersDecodeTolerantly(t *testing.T) {
	tests := []struct {
		name string
		item string
		want atomicapi.Customer
	}{
		{
			name: "documented shape",
			item: `{"customer_id":5,"customer_name":"waqi sc01","account_number":12345,"nickname":"test 01","abn":"123455","addr_1":"test sc01","addr_2":"","postcode":"3000","city":"MELBOURNE","region":"Victoria","country":"Australia","website":"","created_date":"2022-07-25 02:42:02","delete_date":null}`,
			want: docCustomer,
		},
		{
			name: "ids and numbers as strings",
			item: `{"customer_id":"5","account_number":"12345","postcode":3000,"abn":123455}`,
			want: atomicapi.Customer{CustomerID: 5, AccountNumber: "12345", Postcode: "3000", ABN: "123455"},
		},
		{
			name: "account number with leading zeros kept",
			item: `{"customer_id":5,"account_number":"0012345"}`,
			want: atomicapi.Customer{CustomerID: 5, AccountNumber: "0012345"},
		},
		{
			name: "large ids exact",
			item: `{"customer_id":9007199254740993,"account_number":9007199254740993}`,
			want: atomicapi.Customer{CustomerID: 9007199254740993, AccountNumber: "9007199254740993"},
		},
		{
			name: "null and empty alike",
			item: `{"customer_id":5,"customer_name":null,"account_number":null,"nickname":"","abn":null,"addr_1":null,"addr_2":"","postcode":null,"city":null,"region":"","country":null,"website":null,"created_date":null,"delete_date":""}`,
			want: atomicapi.Customer{CustomerID: 5},
		},
		{
			name: "missing fields",
			item: `{"customer_id":5}`,
			want: atomicapi.Customer{CustomerID: 5},
		},
		{
			name: "unknown fields ignored",
			item: `{"customer_id":5,"tags":["a"],"meta":{"x":1},"customer_name":"A"}`,
			want: atomicapi.Customer{CustomerID: 5, CustomerName: "A"},
		},
		{
			name: "RFC 3339 dates, soft deleted",
			item: `{"customer_id":5,"created_date":"2022-07-25T02:42:02Z","delete_date":"2024-01-02T03:04:05+10:00"}`,
			want: atomicapi.Customer{CustomerID: 5, CreatedDate: "2022-07-25T02:42:02Z", DeleteDate: "2024-01-02T03:04:05+10:00"},
		},
		{
			name: "space form with fraction, soft deleted",
			item: `{"customer_id":5,"created_date":"2022-07-25 02:42:02.123456","delete_date":"2023-01-01 00:00:00"}`,
			want: atomicapi.Customer{CustomerID: 5, CreatedDate: "2022-07-25 02:42:02.123456", DeleteDate: "2023-01-01 00:00:00"},
		},
		{
			name: "id with spaces in a string",
			item: `{"customer_id":" 7 "}`,
			want: atomicapi.Customer{CustomerID: 7},
		},
		{
			name: "escaped and unicode text",
			item: `{"customer_id":5,"customer_name":"Caf\u00e9 \"Zo\u00eb\" & Co","city":"Wagga Wagga"}`,
			want: atomicapi.Customer{CustomerID: 5, CustomerName: `Café "Zoë" & Co`, City: "Wagga Wagga"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, fixed(200, "\n ["+tt.item+"]\n"))
			c := newClient(t, up.URL)
			got, err := c.ListCustomers(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Fatalf("got %#v\nwant %#v", got, tt.want)
			}
			if got[0].Deleted() != (tt.want.DeleteDate != "") {
				t.Errorf("Deleted() = %v for delete_date %q", got[0].Deleted(), got[0].DeleteDate)
			}
		})
	}
}

func TestPlansDecodeTolerantly(t *testing.T) {
	tests := []struct {
		name string
		item string
		want atomicapi.ServicePlan
	}{
		{"price string kept exactly", `{"plan_id":134,"plan_name":"Test Plan","currency":"AUD","plan_type":"SMS Plan","price":"1.20"}`,
			atomicapi.ServicePlan{PlanID: 134, PlanName: "Test Plan", Currency: "AUD", PlanType: "SMS Plan", Price: "1.20"}},
		{"numeric price keeps its digits", `{"plan_id":134,"price":1.20}`, atomicapi.ServicePlan{PlanID: 134, Price: "1.20"}},
		{"numeric price with many digits", `{"plan_id":1,"price":0.1000000000000000055511151231257827}`, atomicapi.ServicePlan{PlanID: 1, Price: "0.1000000000000000055511151231257827"}},
		{"integer price", `{"plan_id":1,"price":10}`, atomicapi.ServicePlan{PlanID: 1, Price: "10"}},
		{"plan id as string", `{"plan_id":"123","price":"1.99"}`, atomicapi.ServicePlan{PlanID: 123, Price: "1.99"}},
		{"null price", `{"plan_id":1,"price":null,"currency":null}`, atomicapi.ServicePlan{PlanID: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, fixed(200, "["+tt.item+"]"))
			c := newClient(t, up.URL)
			got, err := c.ListServicePlans(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestSendAnswersDecodeTolerantly(t *testing.T) {
	t.Run("create with string ids", func(t *testing.T) {
		up := newUpstream(t, fixed(201, `{"customer_id":"42","account_number":"A-1","customer_name":"ABC","delete_date":null,"created_date":"2025-02-19T11:15:27Z"}`))
		c := newClient(t, up.URL)
		got, err := c.CreateCustomer(context.Background(), atomicapi.NewCustomer{CustomerName: "ABC"})
		if err != nil {
			t.Fatal(err)
		}
		want := &atomicapi.Customer{CustomerID: 42, AccountNumber: "A-1", CustomerName: "ABC", CreatedDate: "2025-02-19T11:15:27Z"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	})
	t.Run("delete with string id", func(t *testing.T) {
		up := newUpstream(t, fixed(200, `{"status":"DELETED","customer_id":"7","customer_name":null}`))
		c := newClient(t, up.URL)
		got, err := c.DeleteCustomer(context.Background(), 7)
		if err != nil {
			t.Fatal(err)
		}
		if want := (&atomicapi.Deletion{Status: "DELETED", CustomerID: 7}); !reflect.DeepEqual(got, want) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	})
}

// TestMalformedAnswers: a 2xx answer the client cannot read is ErrMalformed,
// never a panic, a partial result or an echo of the body.
func TestMalformedAnswers(t *testing.T) {
	html := `<!DOCTYPE html><html><head><title>Login</title></head><body>Please sign in SECRETPAGE</body></html>`
	tests := []struct {
		name    string
		body    string
		lists   bool // applies to the list endpoints
		sends   bool // applies to create and delete
		mention string
	}{
		{"HTML page", html, true, true, "HTML"},
		{"empty body", ``, true, true, ""},
		{"whitespace body", " \n\t ", true, true, ""},
		{"plain text", `OK SECRETPAGE`, true, true, ""},
		{"JSON null", `null`, true, true, ""},
		{"truncated JSON", `[{"customer_id":5,"customer_name":"ab`, true, false, ""},
		{"truncated object", `{"customer_id":5,"customer_name":"ab`, false, true, ""},
		{"object where a string is expected", `[{"customer_id":5,"customer_name":{"first":"A"},"plan_id":1,"price":{"amount":1}}]`, true, false, ""},
		{"array where a string is expected", `[{"customer_id":5,"customer_name":["A"],"plan_id":1,"price":["1"]}]`, true, false, ""},
		{"id not a number", `[{"customer_id":"abc","plan_id":"abc"}]`, true, false, ""},
		{"fractional id", `[{"customer_id":5.5,"plan_id":5.5}]`, true, false, ""},
		{"id as object", `[{"customer_id":{},"plan_id":{}}]`, true, false, ""},
		{"list of strings", `["a","b"]`, true, false, ""},
		{"object without a list", `{"message":"ok","paging":{"page":1,"total_page":1}}`, true, false, ""},
		{"object with two lists", `{"a":[],"b":[]}`, true, false, ""},
		{"broken paging", `{"data":[],"paging":{"page":{},"total_page":1}}`, true, false, ""},
		{"list instead of object", `[` + docCreated + `]`, false, true, ""},
		{"object where a string is expected (send)", `{"customer_id":5,"status":{"a":1},"customer_name":{"a":1}}`, false, true, ""},
		{"bad id (send)", `{"customer_id":"five"}`, false, true, ""},
	}
	for _, ep := range endpoints {
		for _, tt := range tests {
			if ep.method == http.MethodGet && !tt.lists || ep.method != http.MethodGet && !tt.sends {
				continue
			}
			if strings.Contains(tt.name, "customer_name") && ep.name == "ListServicePlans" {
				continue
			}
			t.Run(ep.name+"/"+tt.name, func(t *testing.T) {
				up := newUpstream(t, fixed(200, tt.body))
				c := newClient(t, up.URL)
				ae := wantKind(t, ep.call(context.Background(), c), atomicapi.ErrMalformed)
				if ae.Status != 200 {
					t.Errorf("Status %d, want 200", ae.Status)
				}
				if told := advice.Explain(ae); !strings.Contains(told, "ATOMIC_API_URL") {
					t.Errorf("%q should suggest checking ATOMIC_API_URL", told)
				}
				if tt.mention != "" && !strings.Contains(ae.Error(), tt.mention) {
					t.Errorf("error %q should mention %q", ae, tt.mention)
				}
				if strings.Contains(ae.Error(), "SECRETPAGE") {
					t.Errorf("error %q echoes the response body", ae)
				}
				if up.count() != 1 {
					t.Errorf("%d requests: a malformed answer must not be retried", up.count())
				}
			})
		}
	}
}

func TestCreateAnswerWithoutID(t *testing.T) {
	for _, body := range []string{`{}`, `{"customer_id":0,"customer_name":"ABC"}`, `{"customer_id":null}`, `{"message":"created"}`} {
		up := newUpstream(t, fixed(200, body))
		c := newClient(t, up.URL)
		got, err := c.CreateCustomer(context.Background(), atomicapi.NewCustomer{CustomerName: "ABC"})
		ae := wantKind(t, err, atomicapi.ErrMalformed)
		if got != nil {
			t.Errorf("%s: returned a customer %#v alongside the error", body, got)
		}
		if !strings.Contains(ae.Error(), "customer_id") {
			t.Errorf("%s: error %q should say the customer_id is missing", body, ae)
		}
	}
}

func TestBodyLargerThanMaxBodyBytes(t *testing.T) {
	big := "[" + strings.Repeat(customerJSON(1)+",", 20) + customerJSON(1) + "]" // > 2 KiB
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			body := big
			if ep.method != http.MethodGet {
				body = `{"customer_id":1,"customer_name":"` + strings.Repeat("x", 2048) + `"}`
			}
			up := newUpstream(t, fixed(200, body))
			c := newClient(t, up.URL, func(o *atomicapi.Options) { o.MaxBodyBytes = 1024 })
			ae := wantKind(t, ep.call(context.Background(), c), atomicapi.ErrMalformed)
			if !strings.Contains(ae.Error(), "1024 bytes") && !strings.Contains(ae.Error(), "1 KiB") {
				t.Errorf("error %q should state the 1 KiB limit", ae)
			}
			if up.count() != 1 {
				t.Errorf("%d requests, want 1", up.count())
			}
		})
	}
	t.Run("exactly at the limit is fine", func(t *testing.T) {
		body := "[" + customerJSON(1) + "]"
		up := newUpstream(t, fixed(200, body))
		c := newClient(t, up.URL, func(o *atomicapi.Options) { o.MaxBodyBytes = int64(len(body)) })
		if _, err := c.ListCustomers(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("error bodies are capped too", func(t *testing.T) {
		up := newUpstream(t, fixed(500, `{"message":"`+strings.Repeat("y", 4096)+`"}`))
		c := newClient(t, up.URL, func(o *atomicapi.Options) { o.MaxBodyBytes = 1024 })
		_, err := c.ListCustomers(context.Background(), "")
		if err == nil || strings.Contains(err.Error(), strings.Repeat("y", 400)) {
			t.Errorf("err %v", err)
		}
	})
}
