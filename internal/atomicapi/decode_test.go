package atomicapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

func TestDecodeListShapes(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantIDs []int64
		paging  *paging
		wantErr string
	}{
		{name: "bare array", body: `[{"customer_id":1},{"customer_id":"2"}]`, wantIDs: []int64{1, 2}},
		{name: "empty array", body: ` [] `, wantIDs: []int64{}},
		{name: "data and paging", body: `{"data":[{"customer_id":1}],"paging":{"total":5,"total_page":3,"page":1}}`,
			wantIDs: []int64{1}, paging: &paging{Total: 5, TotalPage: 3, Page: 1}},
		{name: "paging as strings", body: `{"paging":{"total":"5","total_page":"3","page":"2"},"data":[{"customer_id":1}]}`,
			wantIDs: []int64{1}, paging: &paging{Total: 5, TotalPage: 3, Page: 2}},
		{name: "paging with nulls", body: `{"data":[],"paging":{"total":null,"total_page":"","page":null}}`,
			wantIDs: []int64{}, paging: &paging{}},
		{name: "null paging", body: `{"data":[],"paging":null}`, wantIDs: []int64{}},
		{name: "known key preferred over another list", body: `{"data":[{"customer_id":1}],"links":[]}`, wantIDs: []int64{1}},
		{name: "single unknown list", body: `{"rows":[{"customer_id":3}],"count":1}`, wantIDs: []int64{3}},
		{name: "two unknown lists", body: `{"a":[],"b":[]}`, wantErr: "more than one list"},
		{name: "no list", body: `{"message":"hi"}`, wantErr: "no list"},
		{name: "data not a list", body: `{"data":{"customer_id":1}}`, wantErr: "no list"},
		{name: "empty", body: "  \n", wantErr: "empty body"},
		{name: "html", body: "<!doctype html><p>hi</p>", wantErr: "HTML"},
		{name: "text", body: "hello", wantErr: "not JSON"},
		{name: "bad paging", body: `{"data":[],"paging":{"page":[1]}}`, wantErr: "paging"},
		{name: "bad paging number", body: `{"data":[],"paging":{"page":"x"}}`, wantErr: "paging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, p, err := decodeList[Customer]([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tt.wantErr)
				}
				if items != nil || p != nil {
					t.Errorf("returned %v, %v alongside an error", items, p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, c := range items {
				ids = append(ids, c.CustomerID)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Errorf("ids %v, want %v", ids, tt.wantIDs)
			}
			if !reflect.DeepEqual(p, tt.paging) {
				t.Errorf("paging %+v, want %+v", p, tt.paging)
			}
		})
	}
}

func TestFlexString(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"a"`, "a", false},
		{`""`, "", false},
		{`null`, "", false},
		{`1.20`, "1.20", false},
		{`-0.5`, "-0.5", false},
		{`1e3`, "1e3", false},
		{`true`, "true", false},
		{`false`, "false", false},
		{`"\u00e9\n"`, "é\n", false},
		{`{}`, "", true},
		{`[]`, "", true},
		{`["a"]`, "", true},
	}
	for _, tt := range tests {
		var s flexString = "unchanged"
		err := json.Unmarshal([]byte(tt.in), &s)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && string(s) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestFlexID(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{`5`, 5, false},
		{`"5"`, 5, false},
		{`" 5 "`, 5, false},
		{`-3`, -3, false},
		{`null`, 0, false},
		{`""`, 0, false},
		{`9223372036854775807`, 9223372036854775807, false},
		{`9223372036854775808`, 0, true},
		{`5.0`, 0, true},
		{`1e3`, 0, true},
		{`"abc"`, 0, true},
		{`true`, 0, true},
		{`{}`, 0, true},
	}
	for _, tt := range tests {
		var id flexID = 99
		err := json.Unmarshal([]byte(tt.in), &id)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && int64(id) != tt.want {
			t.Errorf("%s: got %d, want %d", tt.in, id, tt.want)
		}
	}
}

func TestFlexTime(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"2022-07-25 02:42:02"`, "2022-07-25 02:42:02", false},
		{`"2022-07-25T02:42:02Z"`, "2022-07-25T02:42:02Z", false},
		{`"2022-07-25T02:42:02.5+10:00"`, "2022-07-25T02:42:02.5+10:00", false},
		{`"2022-07-25T02:42:02"`, "2022-07-25T02:42:02", false},
		{`"2022-07-25"`, "2022-07-25", false},
		{`" 2022-07-25 02:42:02 "`, "2022-07-25 02:42:02", false},
		{`null`, "", false},
		{`""`, "", false},
		// Odd text is kept, not fatal: one bad row must not fail a whole list.
		{`"yesterday"`, "yesterday", false},
		{`"2022-13-25 02:42:02"`, "2022-13-25 02:42:02", false},
		{`1658716922`, "1658716922", false},
		{`"0000-00-00 00:00:00"`, "", false},
		{`{}`, "", true},
	}
	for _, tt := range tests {
		var v flexTime
		err := json.Unmarshal([]byte(tt.in), &v)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && string(v) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.in, v, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 2, 19, 11, 15, 27, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"1", time.Second},
		{" 7 ", 7 * time.Second},
		{"120", 120 * time.Second},
		{"-1", 0},
		{"1.5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second}, // IMF-fixdate
		{now.Add(30 * time.Second).Format(time.RFC850), 30 * time.Second},     // obsolete RFC 850
		{now.Add(45 * time.Second).Format(time.ANSIC), 45 * time.Second},      // asctime
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},                    // in the past
		{now.Format(http.TimeFormat), 0},                                      // now
		{"Wed, 19 Feb 2025 11:17:27 GMT", 2 * time.Minute},                    // literal
		{"Wed, 19 Feb 2025 11:17:27 +0000", 0},                                // not an HTTP date
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBackoffWithinBounds(t *testing.T) {
	c := &Client{opts: Options{BaseBackoff: 100 * time.Millisecond}}
	for attempt := 1; attempt <= 4; attempt++ {
		ceiling := 100 * time.Millisecond << (attempt - 1)
		for range 200 {
			if d := c.backoff(attempt); d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, ceiling/2, ceiling)
			}
		}
	}
}

// failingReader yields its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	boom := errors.New("boom")
	tests := []struct {
		name    string
		r       io.Reader
		size    int64
		want    []byte
		wantErr error
	}{
		{"size announced", bytes.NewReader(body), int64(len(body)), body, nil},
		{"size unknown", bytes.NewReader(body), -1, body, nil},
		{"size zero", bytes.NewReader(body), 0, body, nil},
		{"more than announced", bytes.NewReader(body), 10, body, nil},
		{"less than announced", bytes.NewReader(body), 1 << 20, body, nil},
		{"empty", bytes.NewReader(nil), 5, []byte{}, nil},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(body)), int64(len(body)), body, nil},
		{"error midway", &failingReader{data: body[:100], err: boom}, int64(len(body)), body[:100], boom},
		{"error past the size", &failingReader{data: body, err: boom}, 10, body, boom},
		{"announced beyond the limit", bytes.NewReader(body), 1 << 40, body, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBody(tt.r, tt.size, 1<<30)
			if !errors.Is(err, tt.wantErr) || !bytes.Equal(got, tt.want) {
				t.Errorf("got %d bytes, err %v; want %d bytes, err %v", len(got), err, len(tt.want), tt.wantErr)
			}
		})
	}
	// The point of the size: one allocation for the whole body, however
	// large, as for a body of one byte (the readers around it cost the
	// same in both).
	allocs := func(body []byte) float64 {
		return testing.AllocsPerRun(10, func() { _, _ = readBody(bytes.NewReader(body), int64(len(body)), 1<<30) })
	}
	large := bytes.Repeat(body, 100)
	if got, one := allocs(large), allocs([]byte("x")); got > one {
		t.Errorf("%v allocations reading an announced %d-byte body, %v for one byte: the buffer grew", got, len(large), one)
	}
}

func TestSniffNeverEchoes(t *testing.T) {
	for _, body := range []string{"<html>SECRET</html>", "SECRET", " <?xml SECRET"} {
		if s := sniff([]byte(body)); strings.Contains(s, "SECRET") {
			t.Errorf("sniff(%q) = %q echoes the body", body, s)
		}
	}
}

// TestPagingBounded: an upstream whose paging always claims one more page
// cannot keep the client going past maxPages.
func TestPagingBounded(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		page := 1
		if p := r.URL.Query().Get("page"); p != "" {
			page, _ = strconv.Atoi(p)
		}
		w.Write([]byte(`{"data":[{"customer_id":` + strconv.Itoa(page) + `}],"paging":{"total":1000000,"total_page":1000000,"page":` + strconv.Itoa(page) + `}}`))
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, Token: NewToken("t"), BaseBackoff: time.Millisecond, CallDeadline: 20 * time.Second, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ListCustomers(context.Background(), "")
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), strconv.Itoa(maxPages)) {
		t.Errorf("err %v, want ErrMalformed naming the %d-page bound", err, maxPages)
	}
	if got != nil {
		t.Errorf("returned %d customers alongside the error", len(got))
	}
	if int(n.Load()) != maxPages {
		t.Errorf("%d requests, want %d", n.Load(), maxPages)
	}
}

func customers10k() []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 1; i <= 10_000; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		id := strconv.Itoa(i)
		b.WriteString(`{"customer_id":` + id + `,"customer_name":"Customer ` + id + ` Pty Ltd","account_number":` + strconv.Itoa(100000+i) +
			`,"nickname":"cust` + id + `","abn":"51824753556","addr_1":"` + id + ` Collins Street","addr_2":"","postcode":"3000","city":"MELBOURNE",` +
			`"region":"Victoria","country":"Australia","website":"","created_date":"2022-07-25 02:42:02","delete_date":null}`)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkDecodeCustomers10k measures one uncached list call of 10,000
// customers, from the HTTP answer to the decoded slice, with the body sent
// chunked (no Content-Length) and with its size announced.
func BenchmarkDecodeCustomers10k(b *testing.B) {
	body := customers10k()
	for _, bc := range []struct {
		name  string
		sized bool
	}{{"chunked", false}, {"sized", true}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if bc.sized {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.Write(body)
			}))
			defer srv.Close()
			c, err := New(Options{BaseURL: srv.URL, Token: NewToken("bench-token"), RateLimit: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				got, err := c.ListCustomers(context.Background(), "")
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != 10_000 || got[9_999].CustomerID != 10_000 {
					b.Fatalf("got %d customers", len(got))
				}
			}
		})
	}
}

func FuzzDecodeList(f *testing.F) {
	seeds := []string{
		`[{"customer_id":5,"customer_name":"waqi sc01","account_number":12345,"nickname":"test 01","abn":"123455","addr_1":"test sc01","addr_2":"","postcode":"3000","city":"MELBOURNE","region":"Victoria","country":"Australia","website":"","created_date":"2022-07-25 02:42:02","delete_date":null}]`,
		`[]`,
		`{"data":[{"customer_id":"7","account_number":"A1","created_date":"2022-07-25T02:42:02Z","delete_date":"2023-01-01 00:00:00"}],"paging":{"total":"3","total_page":"3","page":"1"}}`,
		`{"customers":[],"paging":{"total":0,"total_page":0,"page":1}}`,
		`{"data":[],"paging":null}`,
		`{"a":[],"b":[]}`,
		`{"message":"The given data was invalid.","errors":{"postcode":["The postcode field is required."]}}`,
		`[{"plan_id":134,"plan_name":"Test Plan","currency":"AUD","plan_type":"SMS Plan","price":1.20}]`,
		`[{"customer_id":{}}]`,
		`[{"customer_id":1.5,"created_date":"yesterday"}]`,
		`[null, 1, "x", true]`,
		`<!DOCTYPE html><html></html>`,
		``,
		`null`,
		`[{"customer_id":9223372036854775808}]`,
		"\xff\xfe[",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, p, err := decodeList[Customer](body)
		if err != nil {
			if items != nil || p != nil {
				t.Fatalf("results alongside error %v", err)
			}
			return
		}
		if items == nil {
			t.Fatal("nil list without an error")
		}
		if trimmed := bytes.TrimSpace(body); trimmed[0] == '[' && p != nil {
			t.Fatal("a bare array produced a paging object")
		}
		// Odd created_date text is kept on purpose (see TestFlexTime), so
		// the invariants are about agreement and stability instead.
		if fast, ok := decodeFlatArray[Customer](bytes.TrimSpace(body)); ok {
			ref, err := referenceList[Customer](bytes.TrimSpace(body))
			if err != nil {
				t.Fatalf("the fast path accepted a list the reference decoder rejects: %v", err)
			}
			if !reflect.DeepEqual(fast, ref) {
				t.Fatalf("the fast path decoded\n%#v\nthe reference decoder\n%#v", fast, ref)
			}
		}
		// What the tools re-encode for clients decodes to the same records.
		encoded, err := json.Marshal(items)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		var back []Customer
		if err := json.Unmarshal(encoded, &back); err != nil || !reflect.DeepEqual(back, items) {
			t.Fatalf("re-encoded records do not decode to themselves (%v):\n%#v\n%#v", err, items, back)
		}
		// The plan decoder must be just as robust on the same bytes.
		_, _, _ = decodeList[ServicePlan](body)
	})
}

// BenchmarkCachedListCustomers10k measures a list call of 10,000 customers
// through Cached: a hit costs the same however large the account, because
// nothing is fetched, decoded or copied; a miss (TTL 0) is an uncached call.
func BenchmarkCachedListCustomers10k(b *testing.B) {
	body := customers10k()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, Token: NewToken("bench-token"), RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"hit", DefaultCustomersTTL}, {"miss", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			cached := NewCached(c, CacheOptions{CustomersTTL: bc.ttl})
			b.ReportAllocs()
			for b.Loop() {
				got, err := cached.ListCustomers(context.Background(), "")
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != 10_000 {
					b.Fatalf("got %d customers", len(got))
				}
			}
		})
	}
}

// TestDecodeListRefusesRecordFloods: a body of millions of empty records is
// refused before it is decoded, not turned into a gigabyte of structs.
func TestDecodeListRefusesRecordFloods(t *testing.T) {
	flood := append([]byte("["), bytes.Repeat([]byte("{},"), maxListItems+1)...)
	flood = append(flood, []byte("{}]")...)
	if _, _, err := decodeList[Customer](flood); err == nil || !strings.Contains(err.Error(), "more than 200000 records") {
		t.Fatalf("flood of %d records: err %v, want a refusal naming the limit", maxListItems+2, err)
	}
	ok := append([]byte("["), bytes.Repeat([]byte(`{"customer_id":1},`), 1000)...)
	ok = append(ok, []byte(`{"customer_id":2}]`)...)
	if items, _, err := decodeList[Customer](ok); err != nil || len(items) != 1001 {
		t.Fatalf("1001 records: %d, %v", len(items), err)
	}
}
