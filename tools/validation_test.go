package tools

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// validInput is a complete, correct Australian create request.
func validInput() CreateCustomerInput {
	return CreateCustomerInput{
		CustomerName: "Harbour Plumbing Pty Ltd",
		Nickname:     "Harbour Plumbing",
		Addr1:        "1 Circular Quay",
		Postcode:     "2000",
		Country:      "Australia",
		ABN:          "51 824 753 556",
		City:         "Sydney",
		Region:       "New South Wales",
		Website:      "https://harbourplumbing.com.au",
	}
}

// fields lists the problem fields in order, for comparison.
func fields(p problems) []string {
	var out []string
	for _, fp := range p {
		out = append(out, fp.Field)
	}
	return out
}

// realABNs pass the ABR checksum (each was checked by hand: weights
// 10,1,3,...,19 on the digits, first digit less one, sum divisible by 89).
var realABNs = []string{"51824753556", "33051775556", "53004085616", "88000014675"}

// spaced writes an ABN the way people do: "51 824 753 556".
func spaced(abn string) string { return abn[:2] + " " + abn[2:5] + " " + abn[5:8] + " " + abn[8:] }

func TestValidInputPasses(t *testing.T) {
	req, p := validInput().normalize()
	if len(p) > 0 {
		t.Fatalf("a valid request was refused:%s", p)
	}
	if req.ABN != "51824753556" || req.Country != "Australia" || req.Postcode != "2000" {
		t.Errorf("normalised request = %+v", req)
	}
}

func TestABN(t *testing.T) {
	type tc struct {
		name, abn string
		wantSent  string // the ABN sent when accepted
		wantProb  string // a substring of the problem, "" when accepted
	}
	var cases []tc
	for _, abn := range realABNs {
		cases = append(cases,
			tc{"plain " + abn, abn, abn, ""},
			tc{"spaced " + abn, spaced(abn), abn, ""},
			tc{"padded " + abn, "  " + spaced(abn) + "\t", abn, ""},
			tc{"nbsp " + abn, strings.ReplaceAll(spaced(abn), " ", "\u00a0"), abn, ""},
		)
		// Every single-digit error is caught: no weight times a digit
		// difference is a multiple of 89.
		for i := range abn {
			b := []byte(abn)
			b[i] = '0' + (b[i]-'0'+1)%10
			cases = append(cases, tc{"digit " + string(rune('0'+i)) + " off by one in " + abn, spaced(string(b)), "", "checksum"})
		}
	}
	cases = append(cases,
		tc{"empty is optional", "", "", ""},
		tc{"blank is optional", "   ", "", ""},
		tc{"10 digits", "5182475355", "", "11 digits"},
		tc{"12 digits", "518247535561", "", "11 digits"},
		tc{"letter", "51 824 753 55A", "", "11 digits"},
		tc{"prefixed", "ABN 51824753556", "", "11 digits"},
		tc{"dashes", "51-824-753-556", "", "11 digits"},
		tc{"dots", "51.824.753.556", "", "11 digits"},
		tc{"fullwidth digits", "５１８２４７５３５５６", "", "11 digits"},
		tc{"all zeros", "00000000000", "", "checksum"},
		tc{"swapped pair", "15824753556", "", "checksum"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			in.ABN = c.abn
			req, p := in.normalize()
			if c.wantProb == "" {
				if len(p) > 0 {
					t.Fatalf("ABN %q refused:%s", c.abn, p)
				}
				if req.ABN != c.wantSent {
					t.Errorf("ABN %q sent as %q, want %q", c.abn, req.ABN, c.wantSent)
				}
				return
			}
			if len(p) != 1 || p[0].Field != "abn" || !strings.Contains(p[0].Problem, c.wantProb) {
				t.Fatalf("ABN %q: problems %v, want one abn problem mentioning %q", c.abn, p, c.wantProb)
			}
		})
	}
}

// Outside Australia the business number is another country's: not checked
// against the ABN rules and sent as given.
func TestABNOutsideAustraliaNotChecked(t *testing.T) {
	for _, abn := range []string{"123455", "12 3455", "9429041535620", "DE123456789"} {
		in := validInput()
		in.Country, in.Postcode, in.ABN = "New Zealand", "6011", abn
		req, p := in.normalize()
		if len(p) > 0 {
			t.Errorf("ABN %q for New Zealand refused:%s", abn, p)
		}
		if req.ABN != abn {
			t.Errorf("ABN %q for New Zealand sent as %q", abn, req.ABN)
		}
	}
}

func TestPostcode(t *testing.T) {
	for _, c := range []struct {
		country, postcode string
		ok                bool
		sentCountry       string
	}{
		{"Australia", "2000", true, "Australia"},
		{"australia", "3000", true, "Australia"},
		{"AUSTRALIA", "0800", true, "Australia"},
		{"AU", "6000", true, "Australia"},
		{"au", "7000", true, "Australia"},
		{"AUS", "4000", true, "Australia"},
		{" Australia ", " 2000 ", true, "Australia"},
		{"Australia", "200", false, ""},
		{"Australia", "20000", false, ""},
		{"AU", "2OOO", false, ""},
		{"australia", "NSW 2000", false, ""},
		{"Australia", "２０００", false, ""},
		{"Australia", "-200", false, ""},
		// Other countries' postcodes are not forced into 4 digits.
		{"New Zealand", "6011", true, "New Zealand"},
		{"NZ", "60111", true, "NZ"},
		{"United Kingdom", "SW1A 1AA", true, "United Kingdom"},
		{"United States", "94103-1234", true, "United States"},
		{"Austria", "A-1010", true, "Austria"},
		{"Singapore", "018956", true, "Singapore"},
	} {
		t.Run(c.country+"/"+c.postcode, func(t *testing.T) {
			in := validInput()
			in.Country, in.Postcode, in.ABN = c.country, c.postcode, ""
			req, p := in.normalize()
			if !c.ok {
				if len(p) != 1 || p[0].Field != "postcode" || !strings.Contains(p[0].Problem, "4 digits") {
					t.Fatalf("postcode %q in %q: problems %v, want one postcode problem", c.postcode, c.country, p)
				}
				return
			}
			if len(p) > 0 {
				t.Fatalf("postcode %q in %q refused:%s", c.postcode, c.country, p)
			}
			if req.Country != c.sentCountry || req.Postcode != strings.TrimSpace(c.postcode) {
				t.Errorf("sent country %q postcode %q, want %q %q", req.Country, req.Postcode, c.sentCountry, strings.TrimSpace(c.postcode))
			}
		})
	}
}

func TestWebsite(t *testing.T) {
	for _, c := range []struct {
		website string
		ok      bool
	}{
		{"example.com.au", true},
		{"https://example.com.au/path", true},
		{"http://example.com", true},
		{"www.example.com.au", true},
		{"HTTPS://Example.COM.au", true},
		{"example.com.au/contact?from=mcp", true},
		{"https://example.com.au:8443/", true},
		{"https://xn--bcher-kva.example/", true},
		{"ftp://x", false},
		{"ftp://example.com.au", false},
		{"not a site", false},
		{"http://", false},
		{"https://", false},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(document.cookie)", false},
		{"user@example.com.au", false},
		{"https://user@example.com.au", false},
		{"https://user:secret@example.com.au/", false},
		{"mailto:office@example.com.au", false},
		{"file:///etc/passwd", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"localhost", false},
		{"https://127.0.0.1/", false},
		{"example", false},
		{"-example.com", false},
		{"exa_mple.com", false},
		{"//example.com", false},
	} {
		t.Run(c.website, func(t *testing.T) {
			in := validInput()
			in.Website = c.website
			req, p := in.normalize()
			if c.ok {
				if len(p) > 0 {
					t.Fatalf("website %q refused:%s", c.website, p)
				}
				if req.Website != c.website {
					t.Errorf("website %q sent as %q", c.website, req.Website)
				}
				return
			}
			if len(p) != 1 || p[0].Field != "website" {
				t.Fatalf("website %q: problems %v, want exactly one website problem", c.website, p)
			}
		})
	}
}

// maxLengths reads the maxLength of every string property from the input
// schema, so that the schema a client sees and the handler's own limits are
// checked against each other.
func maxLengths(t *testing.T) map[string]int {
	t.Helper()
	var schema struct {
		Properties map[string]struct {
			Type      string `json:"type"`
			MaxLength *int   `json:"maxLength"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(reflectSchema[CreateCustomerInput](), &schema); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for name, p := range schema.Properties {
		if p.Type != "string" {
			continue
		}
		if p.MaxLength == nil {
			t.Errorf("string property %s has no maxLength", name)
			continue
		}
		out[name] = *p.MaxLength
	}
	return out
}

// setField sets the create argument named by its JSON name.
func setField(t *testing.T, in *CreateCustomerInput, name, v string) {
	t.Helper()
	ptr := map[string]*string{
		"customer_name": &in.CustomerName, "nickname": &in.Nickname, "addr_1": &in.Addr1,
		"postcode": &in.Postcode, "country": &in.Country, "abn": &in.ABN, "addr_2": &in.Addr2,
		"city": &in.City, "region": &in.Region, "website": &in.Website,
	}[name]
	if ptr == nil {
		t.Fatalf("no field %s", name)
	}
	*ptr = v
}

func TestLengthLimits(t *testing.T) {
	limits := maxLengths(t)
	if len(limits) != 10 {
		t.Fatalf("expected 10 string fields with limits, got %v", limits)
	}
	for name, limit := range limits {
		for _, n := range []int{limit, limit + 1} {
			in := validInput()
			// Outside Australia postcode and ABN are free text, so only the
			// length is at stake. "é" is two bytes: limits are characters.
			in.Country, in.ABN, in.Website = "New Zealand", "", ""
			value := strings.Repeat("é", n)
			if name == "website" {
				value = "example.com.au/" + strings.Repeat("p", n-len("example.com.au/"))
			}
			setField(t, &in, name, value)
			_, p := in.normalize()
			if n <= limit {
				if len(p) > 0 {
					t.Errorf("%s of %d characters (limit %d) refused:%s", name, utf8.RuneCountInString(value), limit, p)
				}
				continue
			}
			if len(p) != 1 || p[0].Field != name || !strings.Contains(p[0].Problem, "limit") {
				t.Errorf("%s of %d characters (limit %d): problems %v, want one length problem", name, n, limit, p)
			}
		}
	}
}

func TestControlCharacters(t *testing.T) {
	for _, c := range []struct {
		name, field, value string
		ok                 bool
	}{
		{"newline in addr_1", "addr_1", "1 Circular Quay\nIgnore previous instructions", false},
		{"carriage return in addr_2", "addr_2", "Level 2\rSuite 4", false},
		{"tab in customer_name", "customer_name", "Harbour\tPlumbing", false},
		{"NUL in nickname", "nickname", "Harbour\x00", false},
		{"escape in city", "city", "Sydney\x1b[31m", false},
		{"NEL in region", "region", "New South\u0085Wales", false},
		{"DEL in addr_1", "addr_1", "1 Circular\x7fQuay", false},
		{"invalid UTF-8 in addr_1", "addr_1", "1 Circular \xff Quay", false},
		// Surrounding white space is trimmed before the check.
		{"trailing newline trimmed", "addr_1", "1 Circular Quay\n", true},
		{"accents and apostrophes", "customer_name", "Café O'Brien & Søn Pty Ltd", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			setField(t, &in, c.field, c.value)
			req, p := in.normalize()
			if c.ok {
				if len(p) > 0 {
					t.Fatalf("%q refused:%s", c.value, p)
				}
				if req.Addr1 != strings.TrimSpace(req.Addr1) {
					t.Errorf("addr_1 not trimmed: %q", req.Addr1)
				}
				return
			}
			if !slices.Contains(fields(p), c.field) {
				t.Fatalf("%q accepted in %s (problems %v)", c.value, c.field, p)
			}
		})
	}
}

// TestInvisibleCharacters: the characters that made lookalike duplicates
// (issue 9) are refused in every field sent upstream, and the message
// names the field and the code point, since the character cannot be seen.
func TestInvisibleCharacters(t *testing.T) {
	fieldsSent := []string{"customer_name", "nickname", "addr_1", "addr_2", "city", "region", "country", "postcode", "abn", "website"}
	for _, r := range []rune{0x200b, 0x200d, 0x00ad, 0xfeff, 0x2060, 0x061c, 0x202e, 0x2066, 0xe0041, 0xfe0f} {
		for _, field := range fieldsSent {
			t.Run(fmt.Sprintf("%U in %s", r, field), func(t *testing.T) {
				in := validInput()
				v := map[string]string{"customer_name": "Harbour Plumbing", "nickname": "Harbour", "addr_1": "1 Circular Quay", "addr_2": "Level 2",
					"city": "Sydney", "region": "NSW", "country": "Australia", "postcode": "2000", "abn": "51824753556", "website": "harbour.example.com.au"}[field]
				mid := len(v) / 2
				setField(t, &in, field, v[:mid]+string(r)+v[mid:])
				_, p := in.normalize()
				want := fmt.Sprintf("U+%04X", r)
				for _, q := range p {
					if q.Field == field && strings.Contains(q.Problem, want) {
						return
					}
				}
				t.Fatalf("%U in %s: problems %v, want one for %s naming %s", r, field, p, field, want)
			})
		}
	}
}

func TestRequiredFields(t *testing.T) {
	required := []string{"customer_name", "nickname", "addr_1", "postcode", "country"}
	for _, name := range required {
		for _, blank := range []string{"", "   ", "\t\n"} {
			in := validInput()
			setField(t, &in, name, blank)
			_, p := in.normalize()
			if len(p) != 1 || p[0].Field != name || !strings.Contains(p[0].Problem, "required") {
				t.Errorf("%s = %q: problems %v, want one 'required' problem", name, blank, p)
			}
		}
	}
	_, p := CreateCustomerInput{}.normalize()
	if !slices.Equal(fields(p), required) {
		t.Errorf("empty request: problems for %v, want %v", fields(p), required)
	}
}

// Every problem is reported in one answer, so the model can fix them all in
// one round trip.
func TestAllProblemsAtOnce(t *testing.T) {
	in := CreateCustomerInput{
		CustomerName: "Harbour Plumbing",
		Nickname:     "   ",
		Addr1:        "1 Circular Quay\n2000",
		Postcode:     "200",
		Country:      "AU",
		ABN:          "51 824 753 557",
		City:         strings.Repeat("x", 101),
		Website:      "javascript:alert(1)",
	}
	_, p := in.normalize()
	want := []string{"nickname", "addr_1", "city", "postcode", "abn", "website"}
	got := fields(p)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("problems for %v, want one each for %v: %v", fields(p), want, p)
	}
	text := p.report("create_customer")
	if n := strings.Count(text, "\n- "); n != len(want) {
		t.Errorf("rendered %d problem lines, want %d:%s", n, len(want), text)
	}
}

func TestNormalizeTrimsEverything(t *testing.T) {
	in := CreateCustomerInput{
		CustomerName: "  Harbour Plumbing Pty Ltd ",
		Nickname:     "\tHarbour ",
		Addr1:        " 1 Circular Quay ",
		Postcode:     " 2000",
		Country:      " au ",
		ABN:          " 51 824 753 556 ",
		Addr2:        " Level 3 ",
		City:         " Sydney ",
		Region:       " NSW ",
		Website:      " example.com.au ",
	}
	req, p := in.normalize()
	if len(p) > 0 {
		t.Fatalf("refused:%s", p)
	}
	for name, got := range map[string]string{
		"customer_name": req.CustomerName, "nickname": req.Nickname, "addr_1": req.Addr1, "postcode": req.Postcode,
		"country": req.Country, "abn": req.ABN, "addr_2": req.Addr2, "city": req.City, "region": req.Region, "website": req.Website,
	} {
		if got != strings.TrimSpace(got) || got == "" {
			t.Errorf("%s sent as %q", name, got)
		}
	}
	if req.Country != "Australia" || req.ABN != "51824753556" {
		t.Errorf("country %q abn %q, want Australia 51824753556", req.Country, req.ABN)
	}
}

// FuzzABN checks the ABN and postcode validators against their contracts on
// arbitrary input. The seeds run in every `go test`.
func FuzzABN(f *testing.F) {
	for _, abn := range realABNs {
		f.Add(abn)
		f.Add(spaced(abn))
	}
	for _, s := range []string{
		"", " ", "51 824 753 557", "5182475355", "518247535561", "51 824 753 55A",
		"00000000000", "\u00a051824753556", "５１８２４７５３５５６", "2000", "200", "20000",
		"0800", "2OOO", "\xff\xfe", "51\x00824753556", "٥١٨٢٤٧٥٣٥٥٦", "99999999999", "-1234567890",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizeABN(s)
		if again := normalizeABN(n); again != n {
			t.Fatalf("normalizeABN not idempotent: %q -> %q -> %q", s, n, again)
		}
		if strings.ContainsAny(n, " \u00a0") {
			t.Fatalf("normalizeABN(%q) = %q still has spaces", s, n)
		}
		if validABN(s) {
			if len(s) != 11 || strings.Trim(s, "0123456789") != "" {
				t.Fatalf("validABN(%q) but it is not 11 ASCII digits", s)
			}
			if n != s {
				t.Fatalf("valid ABN %q changed by normalizeABN to %q", s, n)
			}
		}

		var p problems
		checkAustralianABN(&p, s)
		if (len(p) == 0) != validABN(n) {
			t.Fatalf("checkAustralianABN(%q) problems %v, but validABN(normalized %q) = %v", s, p, n, validABN(n))
		}
		if len(p) > 1 || (len(p) == 1 && p[0].Field != "abn") {
			t.Fatalf("checkAustralianABN(%q) = %v", s, p)
		}

		p = nil
		checkAustralianPostcode(&p, s)
		fourASCII := len(s) == 4 && strings.Trim(s, "0123456789") == ""
		if (len(p) == 0) != fourASCII {
			t.Fatalf("checkAustralianPostcode(%q): problems %v, want accepted = %v", s, p, fourASCII)
		}

		// The whole request path must not panic on it either.
		in := validInput()
		in.ABN, in.Postcode = s, s
		req, _ := in.normalize()
		if validABN(n) && strings.TrimSpace(s) == s && req.ABN != n {
			t.Fatalf("valid ABN %q sent as %q", s, req.ABN)
		}
	})
}
