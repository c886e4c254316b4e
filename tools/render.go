package tools

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/names"
)

// The text of a result is complete on its own: a client that forwards
// only content, not structuredContent, still gives the model every field.
// Values from the API are data, so free text is quoted and plain values
// (ids, account numbers, dates, prices) are quoted as soon as they hold
// anything that could pass for the server's own words.

func renderCustomerPage(out ListCustomersOutput, filter string) string {
	var b strings.Builder
	what := "customers"
	if filter != "" {
		what = fmt.Sprintf("customers matching %q", filter)
	}
	switch {
	case out.Total == 0:
		fmt.Fprintf(&b, "No %s.", what)
	case out.Returned == 0:
		fmt.Fprintf(&b, "No %s from offset %d (there are %d).", what, out.Offset, out.Total)
	default:
		fmt.Fprintf(&b, "%d–%d of %d %s:", out.Offset+1, out.Offset+out.Returned, out.Total, what)
	}
	for _, c := range out.Customers {
		b.WriteString("\n- ")
		writeCustomer(&b, c)
	}
	if out.NextOffset != nil {
		fmt.Fprintf(&b, "\nMore: call again with offset %d.", *out.NextOffset)
	}
	if out.DeletedHidden > 0 {
		fmt.Fprintf(&b, "\n(%d deleted customer(s) hidden; include_deleted shows them.)", out.DeletedHidden)
	}
	return b.String()
}

func renderPlans(plans []atomicapi.ServicePlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d service plan(s):", len(plans))
	for _, p := range plans {
		fmt.Fprintf(&b, "\n- plan_id %d: %q (%s), %s %s", p.PlanID, p.PlanName, inline(p.PlanType), inline(p.Price), inline(p.Currency))
	}
	return b.String()
}

// customerLine is every recorded field of c on one line, in a fixed order:
// id, name, nickname, account, address (street lines, then city, region,
// postcode and country), ABN, website, created and deleted dates. Fields
// not recorded are left out, except the account.
func customerLine(c atomicapi.Customer) string {
	var b strings.Builder
	writeCustomer(&b, c)
	return b.String()
}

// writeCustomer appends by hand rather than through fmt: it runs once per
// customer shown, 500 times on the largest page.
func writeCustomer(b *strings.Builder, c atomicapi.Customer) {
	b.WriteString("customer_id ")
	b.WriteString(strconv.FormatInt(c.CustomerID, 10))
	b.WriteString(": ")
	b.WriteString(strconv.Quote(c.CustomerName))
	if v := strings.TrimSpace(c.Nickname); v != "" {
		b.WriteString(" (nickname ")
		b.WriteString(strconv.Quote(v))
		b.WriteByte(')')
	}
	b.WriteString(", account ")
	b.WriteString(orDash(inline(c.AccountNumber)))
	if addr := address(c); addr != "" {
		b.WriteString(", ")
		b.WriteString(strconv.Quote(addr))
	}
	if v := strings.TrimSpace(c.ABN); v != "" {
		b.WriteString(", ABN ")
		b.WriteString(inline(v))
	}
	if v := strings.TrimSpace(c.Website); v != "" {
		b.WriteString(", website ")
		b.WriteString(strconv.Quote(v))
	}
	if c.CreatedDate != "" {
		b.WriteString(", created ")
		b.WriteString(inline(day(c.CreatedDate)))
	}
	if c.Deleted() {
		b.WriteString(" [deleted ")
		b.WriteString(inline(day(c.DeleteDate)))
		b.WriteByte(']')
	}
}

// day is the date of an API time as the API wrote it ("2024-01-02" of
// "2024-01-02 03:04:05" or "2024-01-02T03:04:05Z"): the day is what people
// ask about, and the time of day would cost a tenth of each line. Anything
// else is shown whole.
func day(s string) string {
	if len(s) > 10 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T') {
		return s[:10]
	}
	return s
}

// address reads as a postal address: the street lines, then the place.
func address(c atomicapi.Customer) string {
	parts := nonEmpty(c.Addr1, c.Addr2)
	if place := strings.Join(nonEmpty(c.City, c.Region, c.Postcode, c.Country), " "); place != "" {
		parts = append(parts, place)
	}
	return strings.Join(parts, ", ")
}

func nonEmpty(vals ...string) []string {
	out := vals[:0:0]
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// inline shows an API value that is plain by nature (an account number, a
// date, a price) as it is, but quoted as soon as it holds a line break or
// another character that could start a line of its own or disguise text:
// such a value is data pretending to be the server's own words.
func inline(s string) string {
	if _, hidden := names.Hidden(s); hidden {
		return strconv.Quote(s)
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
