package tools

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
)

// The cache stands in for the client wherever the tools take an API.
var _ API = (*atomicapi.Cached)(nil)

// BenchmarkListCustomersTool10k measures a whole list_customers call, from
// arguments to the result, over an account of 10,000 customers served by a
// local HTTP server: straight through the client, and through the cache
// once it holds the list. The cached call's cost follows the page, plus one
// allocation-free pass over the account to count it.
func BenchmarkListCustomersTool10k(b *testing.B) {
	var body bytes.Buffer
	body.WriteByte('[')
	for i := 1; i <= 10_000; i++ {
		if i > 1 {
			body.WriteByte(',')
		}
		id := strconv.Itoa(i)
		body.WriteString(`{"customer_id":` + id + `,"customer_name":"Customer ` + id + ` Pty Ltd","account_number":` + strconv.Itoa(100000+i) +
			`,"nickname":"cust` + id + `","abn":"51824753556","addr_1":"` + id + ` Collins Street","addr_2":"","postcode":"3000","city":"MELBOURNE",` +
			`"region":"Victoria","country":"Australia","website":"","created_date":"2022-07-25 02:42:02","delete_date":null}`)
	}
	body.WriteByte(']')
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body.Bytes())
	}))
	defer srv.Close()
	client, err := atomicapi.New(atomicapi.Options{BaseURL: srv.URL, Token: atomicapi.NewToken("bench-token"), RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_customers"
	req.Params.Arguments = map[string]any{"offset": 100}
	for _, bc := range []struct {
		name string
		api  API
	}{
		{"uncached", client},
		{"cached", atomicapi.NewCached(client, atomicapi.CacheOptions{CustomersTTL: atomicapi.DefaultCustomersTTL})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			handler := listCustomers(Deps{API: bc.api}).Handler
			b.ReportAllocs()
			for b.Loop() {
				res, err := handler(context.Background(), req)
				if err != nil || res.IsError {
					b.Fatalf("list_customers: %v %+v", err, res)
				}
			}
		})
	}
}
