package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
)

// CreateCustomerInput mirrors POST /api/atomic/customer/create, plus
// allow_duplicate.
type CreateCustomerInput struct {
	CustomerName   string `json:"customer_name" jsonschema:"minLength=1,maxLength=255" jsonschema_description:"The customer's registered business or person name, e.g. Harbour Plumbing Pty Ltd."`
	Nickname       string `json:"nickname" jsonschema:"minLength=1,maxLength=255" jsonschema_description:"Short name staff know the customer by; often the same as customer_name."`
	Addr1          string `json:"addr_1" jsonschema:"minLength=1,maxLength=255" jsonschema_description:"Street address, first line, e.g. 1 Circular Quay."`
	Postcode       string `json:"postcode" jsonschema:"minLength=1,maxLength=10" jsonschema_description:"Postcode; in Australia exactly 4 digits, e.g. 2000."`
	Country        string `json:"country" jsonschema:"minLength=1,maxLength=100" jsonschema_description:"Country name, e.g. Australia (AU is accepted and sent as Australia)."`
	ABN            string `json:"abn,omitempty" jsonschema:"maxLength=20" jsonschema_description:"Business registration number. In Australia the 11-digit ABN, spaces allowed (checked against the ABN checksum)."`
	Addr2          string `json:"addr_2,omitempty" jsonschema:"maxLength=255" jsonschema_description:"Street address, second line (unit, floor, building)."`
	City           string `json:"city,omitempty" jsonschema:"maxLength=100" jsonschema_description:"City or suburb, e.g. Sydney."`
	Region         string `json:"region,omitempty" jsonschema:"maxLength=100" jsonschema_description:"State or region, e.g. New South Wales."`
	Website        string `json:"website,omitempty" jsonschema:"maxLength=255" jsonschema_description:"Website: a domain such as example.com.au or an http(s) URL."`
	AllowDuplicate bool   `json:"allow_duplicate,omitempty" jsonschema:"default=false" jsonschema_description:"Create even if an active customer with the same name exists. Only set it after the user confirms they want a second customer of that name."`
}

// CreateCustomerOutput is the created customer.
type CreateCustomerOutput struct {
	Status   string             `json:"status" jsonschema:"enum=created" jsonschema_description:"Always created."`
	Customer atomicapi.Customer `json:"customer" jsonschema_description:"The customer as the Atomic API recorded it, with its new customer_id and account_number."`
}

func createCustomer(d Deps) server.ServerTool {
	names := d.stateStore()
	return define[CreateCustomerInput, CreateCustomerOutput](d, spec{
		name:  "create_customer",
		title: "Create customer",
		description: "Create a sub-customer on the Atom Telecom reseller account. Requires customer_name, nickname, addr_1, postcode and country; " +
			"abn, addr_2, city, region and website are optional. Every field is checked before anything is sent, and all problems are reported at once. " +
			"Refuses if an active customer with the same name exists, unless allow_duplicate is true. " +
			"Read the full record back to the user and get their approval before calling it.",
		hints: hints{openWorld: true},
	}, func(ctx context.Context, _ mcp.CallToolRequest, in CreateCustomerInput) (*mcp.CallToolResult, error) {
		req, _ := in.normalize() // define has reported any problems already
		// Calls whose arguments fail their checks never get here and are not
		// audited: they name no customer reliably and change nothing.
		entry := audit.Entry{Tool: "create_customer", CustomerName: req.CustomerName}
		// Taken with allow_duplicate too, so that a create of the same name
		// that does check sees this one's customer.
		unlock, err := lockName(ctx, names, req.CustomerName)
		if err != nil {
			short, res := stateStoreFailure("create_customer", "the duplicate check", err)
			entry.Outcome, entry.Reason = audit.Failed, short
			return d.audited(ctx, entry, res), nil
		}
		defer unlock()
		if !in.AllowDuplicate {
			// The whole list, not the API's partial-name search: a search for
			// "Redfern  Print Co." would miss "Redfern Print Co".
			existing, err := d.API.ListCustomersFresh(ctx, "")
			if err != nil {
				entry.Outcome, entry.Reason = audit.Failed, "duplicate check: "+failureReason(err)
				return d.audited(ctx, entry, apiErrorResult("check for an existing customer before creating", err)), nil
			}
			if dup, ok := findActiveByName(existing, req.CustomerName); ok {
				entry.Outcome, entry.Reason = audit.Refused, fmt.Sprintf("an active customer with this name exists (customer_id %d)", dup.CustomerID)
				return d.audited(ctx, entry, mcp.NewToolResultError(fmt.Sprintf(
					"create_customer was not sent: an active customer with this name already exists:\n- %s\n"+
						"Use that customer, or, only if the user confirms they want a second customer of the same name, call again with allow_duplicate: true.",
					customerLine(dup)))), nil
			}
		}
		created, err := d.API.CreateCustomer(ctx, req)
		if err != nil {
			entry.Outcome, entry.Reason = audit.Failed, failureReason(err)
			res := apiErrorResult("create the customer", err)
			if mayHaveReachedAPI(err) {
				res.Content = append(res.Content, mcp.NewTextContent("The customer may have been created even so: the request may have reached the Atomic API and only its answer been lost. "+
					"Check with list_customers before trying again, and do not set allow_duplicate to get past a customer this attempt created."))
			}
			return d.audited(ctx, entry, res), nil
		}
		entry.Outcome, entry.CustomerID = audit.Created, created.CustomerID
		if created.CustomerName != "" {
			entry.CustomerName = created.CustomerName
		}
		text := fmt.Sprintf("Created %s.", customerLine(*created))
		return d.audited(ctx, entry, mcp.NewToolResultStructured(CreateCustomerOutput{Status: "created", Customer: *created}, text)), nil
	})
}

// mayHaveReachedAPI reports whether a failed create may have been carried
// out all the same: anything but an answer refusing it (a 4xx) or this
// server's own rate limiter, which sent nothing. A timeout, a dropped
// connection, a 5xx from a gateway or an unreadable 200 all leave it open.
func mayHaveReachedAPI(err error) bool {
	var apiErr *atomicapi.Error
	if !errors.As(err, &apiErr) {
		return true
	}
	switch {
	case apiErr.Status >= 400 && apiErr.Status < 500:
		return false // the API refused it
	case apiErr.Status == 0 && errors.Is(apiErr, atomicapi.ErrRateLimited):
		return false // refused by our own limiter: nothing was sent
	}
	return true
}

func (in CreateCustomerInput) check() problems {
	_, p := in.normalize()
	return p
}

// normalize trims every field, checks it, and builds the request to send.
func (in CreateCustomerInput) normalize() (atomicapi.NewCustomer, problems) {
	req := atomicapi.NewCustomer{
		CustomerName: strings.TrimSpace(in.CustomerName),
		Nickname:     strings.TrimSpace(in.Nickname),
		Addr1:        strings.TrimSpace(in.Addr1),
		Postcode:     strings.TrimSpace(in.Postcode),
		Country:      strings.TrimSpace(in.Country),
		ABN:          strings.TrimSpace(in.ABN),
		Addr2:        strings.TrimSpace(in.Addr2),
		City:         strings.TrimSpace(in.City),
		Region:       strings.TrimSpace(in.Region),
		Website:      strings.TrimSpace(in.Website),
	}
	var p problems
	for _, f := range []struct {
		name, value string
		required    bool
		max         int
	}{
		{"customer_name", req.CustomerName, true, 255},
		{"nickname", req.Nickname, true, 255},
		{"addr_1", req.Addr1, true, 255},
		{"postcode", req.Postcode, true, 10},
		{"country", req.Country, true, 100},
		{"abn", req.ABN, false, 20},
		{"addr_2", req.Addr2, false, 255},
		{"city", req.City, false, 100},
		{"region", req.Region, false, 100},
		{"website", req.Website, false, 255},
	} {
		if f.value == "" {
			if f.required {
				p.add(f.name, "is required and was empty or missing: ask the user for it")
			}
			continue
		}
		checkText(&p, f.name, f.value, f.max)
	}
	if isAustralia(req.Country) {
		req.Country = "Australia"
		if req.Postcode != "" {
			checkAustralianPostcode(&p, req.Postcode)
		}
		if req.ABN != "" {
			checkAustralianABN(&p, req.ABN)
			req.ABN = normalizeABN(req.ABN)
		}
	}
	if req.Website != "" {
		checkWebsite(&p, req.Website)
	}
	return req, p
}

// findActiveByName finds an active customer whose name is the same as name
// once case, spacing and the punctuation people vary ("Co." and "Co") are
// set aside.
func findActiveByName(customers []atomicapi.Customer, name string) (atomicapi.Customer, bool) {
	key := nameKey(name)
	for _, c := range customers {
		if !c.Deleted() && nameKey(c.CustomerName) == key {
			return c, true
		}
	}
	return atomicapi.Customer{}, false
}

func nameKey(name string) string {
	name = strings.Map(func(r rune) rune {
		switch r {
		case '.', ',', '\'', '’':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
	words := strings.Fields(name)
	for i, w := range words {
		if short, ok := nameWords[w]; ok {
			words[i] = short
		}
	}
	return strings.Join(words, " ")
}

// nameWords folds the spellings Australian company names come in, so that
// "Harbour Plumbing Proprietary Limited" is "Harbour Plumbing Pty Ltd".
var nameWords = map[string]string{"limited": "ltd", "proprietary": "pty", "company": "co", "and": "&"}
