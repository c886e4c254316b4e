package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/mark3labs/mcp-go/server"
)

// benchCustomers builds n customers shaped like the API's, every tenth one
// deleted.
func benchCustomers(n int) []atomicapi.Customer {
	all := make([]atomicapi.Customer, n)
	for i := range all {
		all[i] = atomicapi.Customer{
			CustomerID:    int64(i + 1),
			CustomerName:  fmt.Sprintf("Customer %05d Pty Ltd", i+1),
			AccountNumber: fmt.Sprint(10001 + i),
			Nickname:      fmt.Sprintf("Customer %d", i+1),
			ABN:           "51824753556",
			Addr1:         "1 Circular Quay",
			Postcode:      "2000",
			City:          "SYDNEY",
			Region:        "New South Wales",
			Country:       "Australia",
			Website:       "https://example.com.au",
			CreatedDate:   "2024-06-11 01:20:58",
		}
		if i%10 == 9 {
			all[i].DeleteDate = "2024-11-02 06:30:00"
		}
	}
	return all
}

// BenchmarkListCustomersPage measures one list_customers page over a large
// account: the cost should follow the page size (50), not the 10,000
// customers.
func BenchmarkListCustomersPage(b *testing.B) {
	all := benchCustomers(10_000)
	for _, bc := range []struct {
		name   string
		offset int
	}{
		{"first", 0},
		{"middle", 4_500},
		{"past_end", 20_000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out := pageCustomers(all, false, bc.offset, 50)
				if len(renderCustomerPage(out, "")) == 0 {
					b.Fatal("empty rendering")
				}
			}
		})
	}
}

// BenchmarkLargePageServer is the server's time for the largest answer the
// tool gives, a 500-customer page of a 2,000-customer account already
// fetched: from the JSON-RPC request to the encoded response, as a
// transport writes it (BenchmarkLargePage in internal/e2e adds the pipes
// and a client).
func BenchmarkLargePageServer(b *testing.B) {
	srv := server.NewMCPServer("bench", "1", server.WithToolCapabilities(false))
	if err := register(srv, Deps{API: stubAPI{customers: benchCustomers(2_000)}}, Options{}); err != nil {
		b.Fatal(err)
	}
	req := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_customers","arguments":{"limit":500}}}`)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		raw, err := json.Marshal(srv.HandleMessage(context.Background(), req))
		if err != nil {
			b.Fatal(err)
		}
		size = len(raw)
	}
	b.ReportMetric(float64(size), "answer-bytes")
}
