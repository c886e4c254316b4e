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
	CreatedDate   string `json:"created_date" jsonschema_description:"When the customer was created, as the API gave it."`
	DeleteDate    string `json:"delete_date,omitempty" jsonschema_description:"When the customer was deleted; absent for active customers."`
}

// Deleted reports whether the API marks the customer as deleted. The API
// keeps deleted customers listed with a delete_date (soft delete).
func (c Customer) Deleted() bool { return c.DeleteDate != "" }

// UnmarshalJSON accepts the loose shapes the API is known or expected to
// send: ids and account numbers as numbers or strings, null or "" for absent
// values, and scalars where strings are documented.
func (c *Customer) UnmarshalJSON(data []byte) error {
	if unmarshalFlat(data, c) {
		return nil
	}
	return c.unmarshalSlow(data)
}

// unmarshalSlow is the reference decoding, which the fast path must agree
// with; it also reports every error.
func (c *Customer) unmarshalSlow(data []byte) error {
	var raw struct {
		CustomerID    flexID     `json:"customer_id"`
		CustomerName  flexString `json:"customer_name"`
		AccountNumber flexString `json:"account_number"`
		Nickname      flexString `json:"nickname"`
		ABN           flexString `json:"abn"`
		Addr1         flexString `json:"addr_1"`
		Addr2         flexString `json:"addr_2"`
		Postcode      flexString `json:"postcode"`
		City          flexString `json:"city"`
		Region        flexString `json:"region"`
		Country       flexString `json:"country"`
		Website       flexString `json:"website"`
		CreatedDate   flexTime   `json:"created_date"`
		DeleteDate    flexTime   `json:"delete_date"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("customer: %w", err)
	}
	*c = Customer{
		CustomerID:    int64(raw.CustomerID),
		CustomerName:  string(raw.CustomerName),
		AccountNumber: string(raw.AccountNumber),
		Nickname:      string(raw.Nickname),
		ABN:           string(raw.ABN),
		Addr1:         string(raw.Addr1),
		Addr2:         string(raw.Addr2),
		Postcode:      string(raw.Postcode),
		City:          string(raw.City),
		Region:        string(raw.Region),
		Country:       string(raw.Country),
		Website:       string(raw.Website),
		CreatedDate:   string(raw.CreatedDate),
		DeleteDate:    string(raw.DeleteDate),
	}
	return nil
}

var customerKeys = jsonKeys[Customer]()

func (c *Customer) setField(key, text string) bool {
	switch key {
	case "customer_id":
		return setID(&c.CustomerID, text)
	case "customer_name":
		c.CustomerName = text
	case "account_number":
		c.AccountNumber = text
	case "nickname":
		c.Nickname = text
	case "abn":
		c.ABN = text
	case "addr_1":
		c.Addr1 = text
	case "addr_2":
		c.Addr2 = text
	case "postcode":
		c.Postcode = text
	case "city":
		c.City = text
	case "region":
		c.Region = text
	case "country":
		c.Country = text
	case "website":
		c.Website = text
	case "created_date":
		c.CreatedDate = timeText(text)
	case "delete_date":
		c.DeleteDate = timeText(text)
	default:
		return ignorable(key, customerKeys)
	}
	return true
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
	if unmarshalFlat(data, p) {
		return nil
	}
	return p.unmarshalSlow(data)
}

func (p *ServicePlan) unmarshalSlow(data []byte) error {
	var raw struct {
		PlanID   flexID     `json:"plan_id"`
		PlanName flexString `json:"plan_name"`
		Currency flexString `json:"currency"`
		PlanType flexString `json:"plan_type"`
		Price    flexString `json:"price"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("service plan: %w", err)
	}
	*p = ServicePlan{
		PlanID:   int64(raw.PlanID),
		PlanName: string(raw.PlanName),
		Currency: string(raw.Currency),
		PlanType: string(raw.PlanType),
		Price:    string(raw.Price),
	}
	return nil
}

var planKeys = jsonKeys[ServicePlan]()

func (p *ServicePlan) setField(key, text string) bool {
	switch key {
	case "plan_id":
		return setID(&p.PlanID, text)
	case "plan_name":
		p.PlanName = text
	case "currency":
		p.Currency = text
	case "plan_type":
		p.PlanType = text
	case "price":
		p.Price = text
	default:
		return ignorable(key, planKeys)
	}
	return true
}

// Deletion is the API's answer to a delete.
type Deletion struct {
	Status       string `json:"status"`
	CustomerID   int64  `json:"customer_id"`
	CustomerName string `json:"customer_name"`
}

// UnmarshalJSON accepts the id as a number or a string.
func (d *Deletion) UnmarshalJSON(data []byte) error {
	if unmarshalFlat(data, d) {
		return nil
	}
	return d.unmarshalSlow(data)
}

func (d *Deletion) unmarshalSlow(data []byte) error {
	var raw struct {
		Status       flexString `json:"status"`
		CustomerID   flexID     `json:"customer_id"`
		CustomerName flexString `json:"customer_name"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("delete response: %w", err)
	}
	*d = Deletion{Status: string(raw.Status), CustomerID: int64(raw.CustomerID), CustomerName: string(raw.CustomerName)}
	return nil
}

var deletionKeys = jsonKeys[Deletion]()

func (d *Deletion) setField(key, text string) bool {
	switch key {
	case "status":
		d.Status = text
	case "customer_id":
		return setID(&d.CustomerID, text)
	case "customer_name":
		d.CustomerName = text
	default:
		return ignorable(key, deletionKeys)
	}
	return true
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

// setID is parseID for the fast path, which leaves errors to the slow one.
func setID(dst *int64, text string) bool {
	n, err := parseID(text)
	*dst = n
	return err == nil
}

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
