package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/names"
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
	leases := d.stateStore()
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
		unlock, err := lockName(ctx, leases, req.CustomerName)
		if err != nil {
			short, res := stateStoreFailure("create_customer", "the duplicate check", err)
			entry.Outcome, entry.Reason = audit.Failed, short
			return d.audited(ctx, entry, res), nil
		}
		defer unlock()
		// The whole list, fresh, not the API's partial-name search (a search
		// for "Redfern  Print Co." would miss "Redfern Print Co"). It is read
		// even with allow_duplicate: if the create's answer is lost, it tells
		// the customer this attempt made from those that were there before.
		existing, err := d.API.ListCustomersFresh(ctx, "")
		if err != nil {
			entry.Outcome, entry.Reason = audit.Failed, "duplicate check: "+failureReason(err)
			return d.audited(ctx, entry, apiErrorResult("check for an existing customer before creating", err)), nil
		}
		if dup, kind := findActiveByName(existing, req.CustomerName); kind != names.Different && !in.AllowDuplicate {
			what := "an active customer with this name already exists"
			if kind == names.LegalSuffix {
				what = "an active customer whose name differs only by a legal suffix (Pty Ltd, Limited, Co, …) already exists, so it is likely the same business"
			}
			entry.Outcome, entry.Reason = audit.Refused, fmt.Sprintf("%s (customer_id %d)", what, dup.CustomerID)
			return d.audited(ctx, entry, mcp.NewToolResultError(fmt.Sprintf(
				"create_customer was not sent: %s:\n- %s\n"+
					"Use that customer, or, only if the user confirms they want a second, separate customer, call again with allow_duplicate: true.",
				what, customerLine(dup)))), nil
		}
		created, err := d.API.CreateCustomer(ctx, req)
		if err != nil {
			if mayHaveReachedAPI(err) {
				return d.settleCreate(ctx, entry, req.CustomerName, existing, err), nil
			}
			entry.Outcome, entry.Reason = audit.Failed, failureReason(err)
			return d.audited(ctx, entry, apiErrorResult("create the customer", err)), nil
		}
		entry.Outcome, entry.CustomerID = audit.Created, created.CustomerID
		if created.CustomerName != "" {
			entry.CustomerName = created.CustomerName
		}
		text := fmt.Sprintf("Created %s.", customerLine(*created))
		return d.audited(ctx, entry, mcp.NewToolResultStructured(CreateCustomerOutput{Status: "created", Customer: *created}, text)), nil
	})
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

// findActiveByName finds an active customer whose name reads as name does
// to a person (names.Same: case, spacing, punctuation, invisible characters
// and lookalike letters set aside) or differs from it only by a legal
// suffix (names.LegalSuffix: "Harbour Plumbing" beside "Harbour Plumbing
// Pty Ltd"). A same-name match wins over a suffix match.
func findActiveByName(customers []atomicapi.Customer, name string) (atomicapi.Customer, names.Match) {
	best, kind := atomicapi.Customer{}, names.Different
	for _, c := range customers {
		if c.Deleted() {
			continue
		}
		if m := names.Compare(c.CustomerName, name); m > kind {
			best, kind = c, m
		}
	}
	return best, kind
}
