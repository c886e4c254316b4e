package atomicapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Customer is a sub-customer of the reseller account, as the API returns it.
// Values the API sends as null or "" are both reported as "".
type Customer struct {
	CustomerID    int64  `json:"customer_id" jsonschema_description:"Customer ID: pass it to delete_customer."`
	CustomerName  string `json:"customer_name" jsonschema_description:"Registered customer name."`
	AccountNumber string `json:"account_number" jsonschema_description:"Account number assigned by Atom Telecom."`
	Nickname      string `json:"nickname" jsonschema_description:"Short name staff know the customer by."`
	ABN           string `json:"abn" jsonschema_description:"Business registration number (ABN in Australia); empty when not recorded."`
	Addr1         string `json:"addr_1" jsonschema_description:"Street address, first line."`
	Addr2         string `json:"addr_2" jsonschema_description:"Street address, second line."`
	Postcode      string `json:"postcode" jsonschema_description:"Postcode."`
	City          string `json:"city" jsonschema_description:"City or suburb."`
	Region        string `json:"region" jsonschema_description:"State or region."`
	Country       string `json:"country" jsonschema_description:"Country."`
	Website       string `json:"website" jsonschema_description:"Website, as recorded."`
	CreatedDate   string `json:"created_date" api:"time" jsonschema_description:"When the customer was created, as the API gave it."`
	DeleteDate    string `json:"delete_date,omitempty" api:"time" jsonschema_description:"When the customer was deleted; absent for active customers."`
}

// Deleted reports whether the API marks the customer as deleted. The API
// keeps deleted customers listed with a delete_date (soft delete).
func (c Customer) Deleted() bool { return c.DeleteDate != "" }

// UnmarshalJSON accepts the loose shapes the API is known or expected to
// send: ids and account numbers as numbers or strings, null or "" for absent
// values, and scalars where strings are documented.
func (c *Customer) UnmarshalJSON(data []byte) error {
	return customerRecord.unmarshal(data, c)
}

// NewCustomer holds the fields of a create request. Optional fields left ""
// are omitted from the request body.
type NewCustomer struct {
	CustomerName string `json:"customer_name"`
	Nickname     string `json:"nickname"`
	Addr1        string `json:"addr_1"`
	Postcode     string `json:"postcode"`
	Country      string `json:"country"`
	ABN          string `json:"abn,omitempty"`
	Addr2        string `json:"addr_2,omitempty"`
	City         string `json:"city,omitempty"`
	Region       string `json:"region,omitempty"`
	Website      string `json:"website,omitempty"`
}

// ServicePlan is a plan the reseller can offer. Price is kept exactly as the
// API gives it (a decimal string such as "1.20"), never as a float.
type ServicePlan struct {
	PlanID   int64  `json:"plan_id" jsonschema_description:"Plan ID."`
	PlanName string `json:"plan_name" jsonschema_description:"Plan name."`
	Currency string `json:"currency" jsonschema_description:"ISO 4217 currency of the price, e.g. AUD."`
	PlanType string `json:"plan_type" jsonschema_description:"Kind of service, e.g. SIP Trunk or SMS Plan."`
	Price    string `json:"price" jsonschema_description:"Price exactly as the API states it, e.g. 1.99."`
}

// UnmarshalJSON accepts ids as numbers or strings and prices as strings or
// numbers, keeping a number's literal digits so that 1.20 stays "1.20".
func (p *ServicePlan) UnmarshalJSON(data []byte) error {
	return planRecord.unmarshal(data, p)
}

// Deletion is the API's answer to a delete.
type Deletion struct {
	Status       string `json:"status"`
	CustomerID   int64  `json:"customer_id"`
	CustomerName string `json:"customer_name"`
}

// UnmarshalJSON accepts the id as a number or a string.
func (d *Deletion) UnmarshalJSON(data []byte) error {
	return deletionRecord.unmarshal(data, d)
}

// flexString decodes a JSON string, number or boolean as its text, and null
// as "". Numbers keep their literal digits.
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || string(data) == "null":
		*s = ""
	case data[0] == '"':
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case data[0] == '-' || (data[0] >= '0' && data[0] <= '9') || string(data) == "true" || string(data) == "false":
		*s = flexString(data)
	default:
		return fmt.Errorf("expected a string, got %s", describeJSON(data))
	}
	return nil
}

// flexID decodes an integer id given as a number or a numeric string; null
// and "" decode as 0.
type flexID int64

func (id *flexID) UnmarshalJSON(data []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(data); err != nil {
		return err
	}
	n, err := parseID(string(s))
	if err != nil {
		return err
	}
	*id = flexID(n)
	return nil
}

// parseID reads an id from its flexString text.
func parseID(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("expected an integer id, got %q", truncate(s, 40))
	}
	return n, nil
}

var (
	customerRecord = newRecordType[Customer]("customer")
	planRecord     = newRecordType[ServicePlan]("service plan")
	deletionRecord = newRecordType[Deletion]("delete response")
)

// flexTime accepts both documented time forms (and null or ""), keeping the
// text as given so that nothing is invented about its time zone. MySQL's
// zero date means "no date". Other text is kept rather than failing the
// whole list over one odd row: a delete_date of any kind still marks a
// deleted customer.
type flexTime string

func (t *flexTime) UnmarshalJSON(data []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(data); err != nil {
		return err
	}
	*t = flexTime(timeText(string(s)))
	return nil
}

// timeText is a time's flexString text as flexTime keeps it.
func timeText(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0000-00-00") {
		return ""
	}
	return s
}

func describeJSON(data []byte) string {
	switch data[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	default:
		return "an unexpected value"
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
