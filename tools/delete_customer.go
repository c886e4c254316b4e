package tools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/calllog"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// DeleteCustomerInput mirrors DELETE /api/atomic/customer/delete, plus the
// token that proves a person approved it.
type DeleteCustomerInput struct {
	CustomerID        int64  `json:"customer_id" jsonschema:"minimum=1" jsonschema_description:"The customer_id of the customer to delete, as list_customers shows it."`
	ConfirmationToken string `json:"confirmation_token,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Leave out on the first call. If the first call answers confirmation_required, show the customer to the user, and only after they explicitly approve call again with the same customer_id and this token."`
}

// DeleteCustomerOutput says what happened. Only status deleted means the
// customer was deleted.
type DeleteCustomerOutput struct {
	Status            string             `json:"status" jsonschema:"enum=deleted,enum=confirmation_required,enum=declined,enum=cancelled" jsonschema_description:"deleted; confirmation_required (nothing deleted yet: ask the user, then call again with confirmation_token); declined or cancelled (the user said no: nothing deleted)."`
	Customer          atomicapi.Customer `json:"customer" jsonschema_description:"The customer, as it was before deletion."`
	ConfirmationToken string             `json:"confirmation_token,omitempty" jsonschema_description:"With confirmation_required: pass it back with the same customer_id once the user approves."`
	ExpiresAt         string             `json:"expires_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"With confirmation_required: when the token stops working."`
	ConfirmedVia      string             `json:"confirmed_via,omitempty" jsonschema:"enum=elicitation,enum=token,enum=cli-yes" jsonschema_description:"With deleted: how the approval was obtained: elicitation (the user answered the client's form), token (a second call with the confirmation_token), or cli-yes (the operator ran atomic-mcp call with --yes)."`
}

// elicitationID names the confirmation question across the round trip.
const elicitationID = "confirm_delete"

func deleteCustomer(d Deps) server.ServerTool {
	return define[DeleteCustomerInput, DeleteCustomerOutput](d, spec{
		name:  "delete_customer",
		title: "Delete customer",
		description: "Delete a sub-customer from the Atom Telecom reseller account. This cannot be undone, so it never deletes on the first call: " +
			"where the client supports it the user is asked directly; otherwise the answer is status confirmation_required with a confirmation_token. " +
			"Then show the user the customer (name, customer_id, account number), ask for explicit approval, and only if they approve call again with the same customer_id and the confirmation_token.",
		hints: hints{destructive: true, idempotent: true, openWorld: true},
	}, func(ctx context.Context, req mcp.CallToolRequest, in DeleteCustomerInput) (*mcp.CallToolResult, error) {
		entry := audit.Entry{Tool: "delete_customer", CustomerID: in.CustomerID}
		customer, stop := findForDelete(ctx, d.API, in.CustomerID)
		if stop != nil {
			entry.CustomerName, entry.Outcome, entry.Reason = customer.CustomerName, stop.outcome, stop.reason
			return d.audited(ctx, entry, stop.result), nil
		}
		entry.CustomerName = customer.CustomerName
		subject := confirm.Subject{CustomerID: customer.CustomerID, CustomerName: customer.CustomerName, AccountNumber: customer.AccountNumber}

		answer := server.ElicitationResponse(req.Params.InputResponses, elicitationID)
		switch {
		case approvedOnCommandLine(ctx):
			return doDelete(ctx, d, customer, audit.ViaCLIYes), nil
		case answer != nil || req.Params.RequestState != "":
			return finishElicitation(ctx, d, customer, subject, req.Params.RequestState, answer), nil
		case in.ConfirmationToken != "":
			if err := d.Confirmer.Redeem(ctx, confirm.PurposeDeleteToken, in.ConfirmationToken, subject); err != nil {
				short, long := tokenRefusal(err, customer)
				entry.Outcome, entry.Confirmation, entry.Reason = audit.Refused, audit.ViaToken, short
				return d.audited(ctx, entry, mcp.NewToolResultError(long)), nil
			}
			return doDelete(ctx, d, customer, audit.ViaToken), nil
		case canElicit(ctx):
			state, _ := d.Confirmer.Issue(confirm.PurposeDeleteElicitation, subject)
			entry.Outcome, entry.Confirmation = audit.ConfirmationRequested, audit.ViaElicitation
			return d.audited(ctx, entry, server.NewInputRequestBuilder(state).Elicit(elicitationID, mcp.ElicitationParams{
				Mode: mcp.ElicitationModeForm,
				Message: fmt.Sprintf("Delete customer %q (customer_id %d, account %s) from the Atom Telecom account? This cannot be undone.",
					customer.CustomerName, customer.CustomerID, orDash(inline(customer.AccountNumber))),
				RequestedSchema: map[string]any{
					"type": "object",
					"properties": map[string]any{
						"confirm": map[string]any{
							"type":        "boolean",
							"title":       fmt.Sprintf("Delete %q", customer.CustomerName),
							"description": "Tick to delete this customer permanently.",
						},
					},
					"required": []string{"confirm"},
				},
			}).ToolResult()), nil
		default:
			token, expires := d.Confirmer.Issue(confirm.PurposeDeleteToken, subject)
			out := DeleteCustomerOutput{
				Status:            "confirmation_required",
				Customer:          customer,
				ConfirmationToken: token,
				ExpiresAt:         expires.UTC().Format(time.RFC3339),
			}
			text := fmt.Sprintf("Nothing has been deleted yet. Show the user this customer and ask them to explicitly approve deleting it; it cannot be undone:\n- %s\n"+
				"Only if the user approves, call delete_customer again with customer_id %d and confirmation_token %q (valid until %s). If they do not approve, do nothing.",
				customerLine(customer), customer.CustomerID, token, out.ExpiresAt)
			entry.Outcome, entry.Confirmation = audit.ConfirmationRequested, audit.ViaToken
			calllog.Set(ctx, calllog.AskedUser)
			return d.audited(ctx, entry, mcp.NewToolResultStructured(out, text)), nil
		}
	})
}

type approvalKey struct{}

// WithCommandLineApproval returns a context in which delete_customer
// deletes without asking, because the operator approved in advance with
// `atomic-mcp call delete_customer ... --yes`. Only code in this process can
// set it; nothing in an MCP request can. The delete is audited with
// confirmation path cli-yes.
func WithCommandLineApproval(ctx context.Context) context.Context {
	return context.WithValue(ctx, approvalKey{}, true)
}

func approvedOnCommandLine(ctx context.Context) bool {
	ok, _ := ctx.Value(approvalKey{}).(bool)
	return ok
}

func (in DeleteCustomerInput) check() problems {
	var p problems
	if in.CustomerID < 1 {
		p.add("customer_id", "is required and must be a positive whole number: the customer's customer_id from list_customers")
	}
	if len(in.ConfirmationToken) > 200 {
		p.add("confirmation_token", "is too long to be a token from delete_customer: pass the token exactly as the first call returned it")
	}
	return p
}

// stopped is a delete that ends before any confirmation: its result and
// what the audit trail says about it.
type stopped struct {
	result  *mcp.CallToolResult
	outcome audit.Outcome
	reason  string
}

// findForDelete looks the customer up: the API has no get-by-id, and the
// user must be shown what they are approving. Unknown and already-deleted
// customers stop here, before any DELETE.
func findForDelete(ctx context.Context, api API, id int64) (atomicapi.Customer, *stopped) {
	all, err := api.ListCustomersFresh(ctx, "")
	if err != nil {
		return atomicapi.Customer{}, &stopped{apiErrorResult("look up the customer before deleting", err), audit.Failed, "lookup: " + failureReason(err)}
	}
	for _, c := range all {
		if c.CustomerID != id {
			continue
		}
		if c.Deleted() {
			return c, &stopped{mcp.NewToolResultError(fmt.Sprintf("delete_customer: customer_id %d (%q) was already deleted on %s; nothing was done.", id, c.CustomerName, inline(c.DeleteDate))),
				audit.Refused, "already deleted"}
		}
		return c, nil
	}
	return atomicapi.Customer{}, &stopped{mcp.NewToolResultError(fmt.Sprintf("delete_customer: no customer has customer_id %d; nothing was deleted. Find the right id with list_customers.", id)),
		audit.Refused, "no such customer"}
}

// finishElicitation completes a delete after the user answered the form.
// The sealed state proves this server asked about exactly this customer; the
// answer itself must be an accept with confirm true.
func finishElicitation(ctx context.Context, d Deps, c atomicapi.Customer, subject confirm.Subject, state string, answer *mcp.ElicitationResult) *mcp.CallToolResult {
	entry := audit.Entry{Tool: "delete_customer", CustomerID: c.CustomerID, CustomerName: c.CustomerName, Confirmation: audit.ViaElicitation}
	if state == "" || answer == nil {
		entry.Outcome, entry.Reason = audit.Refused, "incomplete confirmation answer"
		return d.audited(ctx, entry, mcp.NewToolResultError("delete_customer: the confirmation answer is incomplete; nothing was deleted. Call delete_customer again with only customer_id."))
	}
	if err := d.Confirmer.Redeem(ctx, confirm.PurposeDeleteElicitation, state, subject); err != nil {
		short, long := tokenRefusal(err, c)
		entry.Outcome, entry.Reason = audit.Refused, short
		return d.audited(ctx, entry, mcp.NewToolResultError(long))
	}
	approved := false
	if content, ok := answer.Content.(map[string]any); ok {
		approved, _ = content["confirm"].(bool)
	}
	switch {
	case answer.Action == mcp.ElicitationResponseActionAccept && approved:
		return doDelete(ctx, d, c, audit.ViaElicitation)
	case answer.Action == mcp.ElicitationResponseActionCancel:
		entry.Outcome, entry.Reason = audit.Declined, "cancelled"
		return d.audited(ctx, entry, notDeleted(ctx, c, "cancelled", "The user cancelled"))
	default:
		entry.Outcome, entry.Reason = audit.Declined, "declined"
		return d.audited(ctx, entry, notDeleted(ctx, c, "declined", "The user did not approve"))
	}
}

func notDeleted(ctx context.Context, c atomicapi.Customer, status, why string) *mcp.CallToolResult {
	calllog.Set(ctx, calllog.Declined)
	text := fmt.Sprintf("%s; nothing was deleted. %s is unchanged.", why, customerLine(c))
	return mcp.NewToolResultStructured(DeleteCustomerOutput{Status: status, Customer: c}, text)
}

// doDelete sends the DELETE of an approved delete. The approval is recorded
// first: if the trail cannot be written, nothing is sent.
func doDelete(ctx context.Context, d Deps, c atomicapi.Customer, via string) *mcp.CallToolResult {
	entry := audit.Entry{Tool: "delete_customer", CustomerID: c.CustomerID, CustomerName: c.CustomerName, Outcome: audit.Approved, Confirmation: via}
	if err := d.recordFirst(ctx, entry); err != nil {
		return mcp.NewToolResultError(fmt.Sprintf("delete_customer: nothing was deleted: the audit trail could not be written (%v), and no delete is sent without a record. "+
			"Tell the server's operator to fix the audit log; then call delete_customer with only customer_id and ask the user again.", err))
	}
	if _, err := d.API.DeleteCustomer(ctx, c.CustomerID); err != nil {
		entry.Outcome, entry.Reason = audit.Failed, failureReason(err)
		// The approval is spent either way: a retry must ask the user again.
		res := apiErrorResult(fmt.Sprintf("delete customer_id %d", c.CustomerID), err)
		res.Content = append(res.Content, mcp.NewTextContent("Check with list_customers whether it was deleted; to try again, call delete_customer with only customer_id and ask the user again."))
		return d.audited(ctx, entry, res)
	}
	entry.Outcome = audit.Deleted
	text := fmt.Sprintf("Deleted %s.", customerLine(c))
	return d.audited(ctx, entry, mcp.NewToolResultStructured(DeleteCustomerOutput{Status: "deleted", Customer: c, ConfirmedVia: via}, text))
}

// tokenRefusal explains a refused confirmation: briefly for the audit
// trail, and in full, with the way forward, for the caller.
func tokenRefusal(err error, c atomicapi.Customer) (short, long string) {
	const again = "Call delete_customer with only customer_id to start over, and ask the user again."
	var why string
	var storeErr *store.Error
	switch {
	case errors.As(err, &storeErr):
		// Not spent, and nothing sent: the same token works once the store
		// is back, within its five minutes.
		return "shared state store unavailable", fmt.Sprintf("delete_customer: nothing was deleted: the confirmation could not be checked, because the shared state store %s "+
			"that keeps each approval single-use did not answer (%v). Try again with the same confirmation_token in a moment; if it persists, tell the server's operator.", storeErr.Store, err)
	case errors.Is(err, confirm.ErrExpired):
		short, why = "confirmation expired", "the confirmation_token has expired (tokens last 5 minutes)"
	case errors.Is(err, confirm.ErrUsed):
		short, why = "confirmation already used", "the confirmation_token was already used"
	case errors.Is(err, confirm.ErrMismatch):
		short, why = "confirmation for another customer", fmt.Sprintf("the confirmation_token was issued for a different customer than customer_id %d", c.CustomerID)
	default:
		short, why = "confirmation not valid", fmt.Sprintf("the confirmation_token is not valid for customer_id %d: it was issued for another customer, altered, issued by another server, or the customer changed since it was issued", c.CustomerID)
	}
	return short, fmt.Sprintf("delete_customer: nothing was deleted: %s. %s", why, again)
}

// canElicit reports whether this request's client can answer a form
// elicitation. Asking a client that cannot would leave the call hanging.
func canElicit(ctx context.Context) bool {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return formElicitation(info.ClientCapabilities)
	}
	session := server.ClientSessionFromContext(ctx)
	if _, ok := session.(server.SessionWithElicitation); !ok {
		return false
	}
	withInfo, ok := session.(server.SessionWithClientInfo)
	if !ok {
		return false
	}
	caps := withInfo.GetClientCapabilities()
	return formElicitation(&caps)
}

// formElicitation: an empty elicitation capability means form mode; a
// client that lists only url mode cannot show our form.
func formElicitation(caps *mcp.ClientCapabilities) bool {
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	return caps.Elicitation.Form != nil || caps.Elicitation.URL == nil
}
