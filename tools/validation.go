package tools

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
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

func (p problems) String() string {
	var b strings.Builder
	for _, fp := range p {
		fmt.Fprintf(&b, "\n- %s: %s", fp.Field, fp.Problem)
	}
	return b.String()
}

// isAustralia reports whether a country value means Australia.
func isAustralia(country string) bool {
	c := strings.TrimSpace(country)
	return strings.EqualFold(c, "Australia") || strings.EqualFold(c, "AU") || strings.EqualFold(c, "AUS")
}

// checkText validates a free-text field: length in characters and no
// control characters (a newline in an address is a paste error or an
// injection attempt, never a real address).
func checkText(p *problems, field, value string, max int) {
	if n := utf8.RuneCountInString(value); n > max {
		p.add(field, "is %d characters long; the limit is %d", n, max)
	}
	if !utf8.ValidString(value) {
		p.add(field, "is not valid UTF-8 text")
		return
	}
	if strings.IndexFunc(value, unicode.IsControl) >= 0 {
		p.add(field, "contains control characters such as line breaks or tabs; give it on one line")
	}
}

var fourDigits = regexp.MustCompile(`^[0-9]{4}$`)

// checkAustralianPostcode requires the 4 digits every Australian postcode has.
func checkAustralianPostcode(p *problems, postcode string) {
	if !fourDigits.MatchString(postcode) {
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
	if len(abn) != 11 {
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

var domainName = regexp.MustCompile(`^(?i)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$`)

// checkWebsite accepts a bare domain ("example.com.au", optionally with a
// path) or an http(s) URL with a domain host.
func checkWebsite(p *problems, website string) {
	const hint = "give a domain such as example.com.au or an http(s) URL such as https://example.com.au"
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
	case parsed.User != nil || !domainName.MatchString(parsed.Hostname()):
		p.add("website", "%q does not name a domain: %s", truncateRunes(website, 40), hint)
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
