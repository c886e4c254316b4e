package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/calllog"
	"github.com/atomtelecom/atomic-mcp/internal/names"
)

// fieldProblem is one thing wrong with one argument, and how to fix it.
type fieldProblem struct {
	Field, Problem string
}

// problems collects every problem with a request so that they can be
// reported together: a model that fixes one field per round trip wastes the
// user's time.
type problems []fieldProblem

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, fieldProblem{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// report renders the problems as a tool error: what was not done, then one
// line per problem naming the field and the fix.
func (p problems) report(tool string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s was not run, and nothing was sent to the Atomic API: %d problem(s) to fix, then call it again:", tool, len(p))
	for _, fp := range p {
		fmt.Fprintf(&b, "\n- %s: %s", fp.Field, fp.Problem)
	}
	return b.String()
}

// refused answers a call whose arguments have problems, recording creates
// and deletes in the audit trail as refused, naming the customer as far as
// the arguments do.
func (d Deps) refused(ctx context.Context, tool string, args any, p problems) *mcp.CallToolResult {
	calllog.Set(ctx, calllog.Refused)
	res := mcp.NewToolResultError(p.report(tool))
	if tool != "create_customer" && tool != "delete_customer" {
		return res
	}
	fields := make([]string, len(p))
	for i, fp := range p {
		fields[i] = fp.Field
	}
	e := audit.Entry{Tool: tool, Outcome: audit.Refused, Reason: "invalid arguments: " + strings.Join(fields, ", ")}
	if raw, err := rawArgs(args); err == nil && raw != nil {
		var named struct {
			CustomerName any `json:"customer_name"`
			CustomerID   any `json:"customer_id"`
		}
		if json.Unmarshal(raw, &named) == nil {
			if name, ok := named.CustomerName.(string); ok {
				e.CustomerName = truncateRunes(strings.TrimSpace(name), 255)
			}
			if id, ok := named.CustomerID.(float64); ok && id == float64(int64(id)) {
				e.CustomerID = int64(id)
			}
		}
	}
	return d.audited(ctx, e, res)
}

// isAustralia reports whether a country value means Australia.
func isAustralia(country string) bool {
	c := strings.TrimSpace(country)
	return strings.EqualFold(c, "Australia") || strings.EqualFold(c, "AU") || strings.EqualFold(c, "AUS")
}

// checkText validates a free-text field: length in characters and no
// control or invisible characters (a newline in an address is a paste
// error or an injection attempt, never a real address; a zero-width space
// in a name makes a duplicate no person can tell apart).
func checkText(p *problems, field, value string, max int) {
	if n := utf8.RuneCountInString(value); n > max {
		p.add(field, "is %d characters long; the limit is %d", n, max)
	}
	if !utf8.ValidString(value) {
		p.add(field, "is not valid UTF-8 text")
		return
	}
	if r, ok := names.Hidden(value); ok {
		p.add(field, "contains %s: control characters and invisible characters (line breaks, tabs, zero-width, text-direction and tag characters) are refused, because they hide text from the person reading it; give it as plain text on one line", names.Describe(r))
	}
}

// The patterns are compiled on first use, not at start-up: the first
// answer an assistant waits for (initialize) needs none of them.
var fourDigits = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{4}$`) })

// checkAustralianPostcode requires the 4 digits every Australian postcode has.
func checkAustralianPostcode(p *problems, postcode string) {
	if !fourDigits().MatchString(postcode) {
		p.add("postcode", "%q is not an Australian postcode: it must be exactly 4 digits, e.g. 2000 for Sydney or 3000 for Melbourne", truncateRunes(postcode, 20))
	}
}

// normalizeABN removes the spaces people write ABNs with ("51 824 753 556").
func normalizeABN(abn string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' {
			return -1
		}
		return r
	}, abn)
}

var abnWeights = [11]int{10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19}

// validABN applies the Australian Business Register's checksum: subtract 1
// from the first digit, weight the digits, and the sum must divide by 89.
func validABN(abn string) bool {
	// Real ABNs start with check digits 10 to 99, so never with 0.
	if len(abn) != 11 || abn[0] == '0' {
		return false
	}
	sum := 0
	for i := range 11 {
		d := int(abn[i]) - '0'
		if d < 0 || d > 9 {
			return false
		}
		if i == 0 {
			d--
		}
		sum += d * abnWeights[i]
	}
	return sum%89 == 0
}

// checkAustralianABN validates an ABN given with or without spaces.
func checkAustralianABN(p *problems, abn string) {
	n := normalizeABN(abn)
	switch {
	case len(n) != 11 || strings.Trim(n, "0123456789") != "":
		p.add("abn", "%q is not an ABN: an Australian Business Number has 11 digits (spaces allowed), e.g. 51 824 753 556", truncateRunes(abn, 30))
	case !validABN(n):
		p.add("abn", "%q fails the ABN checksum, so a digit is wrong or swapped: check it at abr.business.gov.au, or leave abn out", truncateRunes(abn, 30))
	}
}

// domainName accepts internationalised labels too (例え.jp).
var domainName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}\.?$`)
})

// checkWebsite accepts a bare domain ("example.com.au", optionally with a
// path) or an http(s) URL with a domain host.
func checkWebsite(p *problems, website string) {
	const hint = "give a domain such as example.com.au or an http(s) URL such as https://example.com.au"
	if strings.ContainsAny(website, " <>\"'`{}|\\^") {
		p.add("website", "%q contains spaces or characters a web address cannot have: %s", truncateRunes(website, 40), hint)
		return
	}
	u := website
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	parsed, err := url.Parse(u)
	switch {
	case err != nil || parsed.Host == "":
		p.add("website", "%q is not a website address: %s", truncateRunes(website, 40), hint)
	case parsed.Scheme != "http" && parsed.Scheme != "https":
		p.add("website", "%q uses %s://; %s", truncateRunes(website, 40), parsed.Scheme, hint)
	case parsed.User != nil || !domainName().MatchString(parsed.Hostname()):
		p.add("website", "%q does not name a domain: %s", truncateRunes(website, 40), hint)
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
