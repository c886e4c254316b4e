package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/atomtelecom/atomic-mcp/internal/approval"
	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/auth"
	"github.com/atomtelecom/atomic-mcp/internal/calllog"
	"github.com/atomtelecom/atomic-mcp/internal/confirm"
	"github.com/atomtelecom/atomic-mcp/internal/store"
)

// DeleteCustomerInput mirrors DELETE /api/atomic/customer/delete, plus the
// token that proves a person approved it.
type DeleteCustomerInput struct {
	CustomerID        int64  `json:"customer_id" jsonschema:"minimum=1" jsonschema_description:"The customer_id of the customer to delete, as list_customers shows it."`
	ConfirmationToken string `json:"confirmation_token,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Leave out on the first call. If the first call answers confirmation_required, show the customer to the user, and only after they explicitly approve call again with the same customer_id and this token. If it answers approval_required, pass the same value back once the user has decided in the browser, to learn the outcome."`
}

// DeleteCustomerOutput says what happened. Only status deleted means the
// customer was deleted.
type DeleteCustomerOutput struct {
	Status            string             `json:"status" jsonschema:"enum=deleted,enum=confirmation_required,enum=approval_required,enum=approval_pending,enum=declined,enum=cancelled,enum=expired" jsonschema_description:"deleted; confirmation_required (nothing deleted yet: ask the user, then call again with confirmation_token); approval_required or approval_pending (nothing deleted yet: the user must open approval_url and decide there); declined or cancelled (the user said no: nothing deleted); expired (the approval link ran out: nothing deleted)."`
	Customer          atomicapi.Customer `json:"customer" jsonschema_description:"The customer, as it was before deletion."`
	ConfirmationToken string             `json:"confirmation_token,omitempty" jsonschema_description:"With confirmation_required: pass it back with the same customer_id once the user approves. With approval_required: pass it back to learn what the user decided."`
	ExpiresAt         string             `json:"expires_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"With confirmation_required or approval_required: when the token or link stops working."`
	ApprovalURL       string             `json:"approval_url,omitempty" jsonschema:"format=uri" jsonschema_description:"With approval_required: the page where the user approves or cancels. Give it to the user; you cannot approve it yourself."`
	ApprovedAt        string             `json:"approved_at,omitempty" jsonschema:"format=date-time" jsonschema_description:"With deleted after a browser approval: when the user pressed Delete."`
	ConfirmedVia      string             `json:"confirmed_via,omitempty" jsonschema:"enum=elicitation,enum=token,enum=browser,enum=cli-yes" jsonschema_description:"With deleted: how the approval was obtained: elicitation (the user answered the client's form), token (a second call with the confirmation_token), browser (the user pressed Delete on the approval page), or cli-yes (the operator ran atomic-mcp call with --yes)."`
}

// elicitationID names the confirmation question across the round trip.
const elicitationID = "confirm_delete"

func deleteCustomer(d Deps) server.ServerTool {
	return define[DeleteCustomerInput, DeleteCustomerOutput](d, spec{
		name:  "delete_customer",
		title: "Delete customer",
		description: "Delete a sub-customer from the Atom Telecom reseller account. This cannot be undone, so it never deletes on the first call: " +
			"where the client supports it the user is asked directly; otherwise the answer is status confirmation_required with a confirmation_token. " +
			"Then show the user the customer (name, customer_id, account number), ask for explicit approval, and only if they approve call again with the same customer_id and the confirmation_token. " +
			"If the answer is approval_required, give the user the approval_url: only they can approve there; call again with the same customer_id and confirmation_token to learn the outcome.",
		hints: hints{destructive: true, idempotent: true, openWorld: true},
	}, func(ctx context.Context, req mcp.CallToolRequest, in DeleteCustomerInput) (*mcp.CallToolResult, error) {
		entry := audit.Entry{Tool: "delete_customer", CustomerID: in.CustomerID}
		customer, stop := findForDelete(ctx, d.API, in.CustomerID)
		if d.mode() == confirm.ModeBrowser && in.ConfirmationToken != "" && (stop == nil || customer.CustomerID != 0) {
			// Asking about a decision: after an approval the customer is
			// deleted, which must not read as an error.
			return browserOutcome(ctx, d, customer, in.ConfirmationToken), nil
		}
		if stop != nil {
			entry.CustomerName, entry.Outcome, entry.Reason = customer.CustomerName, stop.outcome, stop.reason
			return d.audited(ctx, entry, stop.result), nil
		}
		entry.CustomerName = customer.CustomerName
		subject := confirm.Subject{CustomerID: customer.CustomerID, CustomerName: customer.CustomerName, AccountNumber: customer.AccountNumber, Principal: auth.IDFrom(ctx)}

		answer := server.ElicitationResponse(req.Params.InputResponses, elicitationID)
		mode := d.mode()
		switch {
		case approvedOnCommandLine(ctx):
			return doDelete(ctx, d, customer, audit.ViaCLIYes), nil
		case answer != nil || req.Params.RequestState != "":
			if mode != confirm.ModeAuto && mode != confirm.ModeElicitation {
				entry.Outcome, entry.Confirmation, entry.Reason = audit.Refused, audit.ViaElicitation, "elicitation answer in "+string(mode)+" mode"
				return d.audited(ctx, entry, mcp.NewToolResultError(fmt.Sprintf("delete_customer: nothing was deleted: this server confirms deletes in %s mode, not by elicitation. Call delete_customer with only customer_id.", mode))), nil
			}
			return finishElicitation(ctx, d, customer, subject, req.Params.RequestState, answer), nil
		case mode == confirm.ModeBrowser:
			return askInBrowser(ctx, d, customer), nil
		case in.ConfirmationToken != "":
			if mode == confirm.ModeElicitation {
				entry.Outcome, entry.Confirmation, entry.Reason = audit.Refused, audit.ViaToken, "token in elicitation mode"
				return d.audited(ctx, entry, mcp.NewToolResultError("delete_customer: nothing was deleted: this server confirms deletes in elicitation mode only, so a confirmation_token cannot approve one. Call delete_customer with only customer_id; the user is asked directly.")), nil
			}
			if err := d.Confirmer.Redeem(ctx, confirm.PurposeDeleteToken, in.ConfirmationToken, subject); err != nil {
				short, long := tokenRefusal(ctx, err, customer)
				entry.Outcome, entry.Confirmation, entry.Reason = audit.Refused, audit.ViaToken, short
				return d.audited(ctx, entry, mcp.NewToolResultError(long)), nil
			}
			return doDelete(ctx, d, customer, audit.ViaToken), nil
		case mode == confirm.ModeToken:
			return tokenRequired(ctx, d, customer, subject, ""), nil
		case !canElicit(ctx):
			if mode == confirm.ModeElicitation {
				entry.Outcome, entry.Confirmation, entry.Reason = audit.Refused, audit.ViaElicitation, "client cannot elicit"
				return d.audited(ctx, entry, mcp.NewToolResultError("delete_customer: nothing was deleted: this server is in elicitation mode (--confirm-mode elicitation), which deletes only after the user answers a confirmation form, and this MCP client cannot show one. "+
					"Use a client that supports elicitation, or ask the server's operator to choose another --confirm-mode.")), nil
			}
			return tokenRequired(ctx, d, customer, subject, ""), nil
		case mode == confirm.ModeAuto && d.asker().Silent(ctx):
			return tokenRequired(ctx, d, customer, subject, "This client did not answer an earlier confirmation question, so none is asked. "), nil
		default:
			return elicit(ctx, d, customer, subject, mode), nil
		}
	})
}

// confirmQuestion is the form the user is asked to tick.
func confirmQuestion(c atomicapi.Customer) mcp.ElicitationParams {
	return mcp.ElicitationParams{
		Mode: mcp.ElicitationModeForm,
		Message: fmt.Sprintf("Delete customer %q (customer_id %d, account %s) from the Atom Telecom account? This cannot be undone.",
			c.CustomerName, c.CustomerID, orDash(inline(c.AccountNumber))),
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"confirm": map[string]any{
					"type":        "boolean",
					"title":       fmt.Sprintf("Delete %q", c.CustomerName),
					"description": "Tick to delete this customer permanently.",
				},
			},
			"required": []string{"confirm"},
		},
	}
}

// elicit asks the user. A 2026-07-28 client gets an input_required round
// trip, which holds nothing here while the user thinks. An older client is
// sent elicitation/create from this handler, with the deadline: mcp-go's own
// bridge would wait for ever, on stdio holding a tool-call worker.
func elicit(ctx context.Context, d Deps, c atomicapi.Customer, subject confirm.Subject, mode confirm.Mode) *mcp.CallToolResult {
	entry := audit.Entry{Tool: "delete_customer", CustomerID: c.CustomerID, CustomerName: c.CustomerName, Outcome: audit.ConfirmationRequested, Confirmation: audit.ViaElicitation}
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		state, _ := d.Confirmer.Issue(confirm.PurposeDeleteElicitation, subject)
		return d.audited(ctx, entry, server.NewInputRequestBuilder(state).Elicit(elicitationID, confirmQuestion(c)).ToolResult())
	}
	if res := d.audited(ctx, entry, nil); res != nil {
		return res // the trail is broken: nothing is asked
	}
	answer, err := d.asker().Ask(ctx, confirmQuestion(c))
	switch {
	case err == nil:
		return decideAnswer(ctx, d, c, answer)
	case mode == confirm.ModeAuto && (errors.Is(err, confirm.ErrNoAnswer) || errors.Is(err, confirm.ErrBusy)):
		why := fmt.Sprintf("The client did not show the confirmation question within %s. ", d.asker().Timeout())
		if errors.Is(err, confirm.ErrBusy) {
			why = "Too many confirmation questions are already waiting for an answer. "
		}
		return tokenRequired(ctx, d, c, subject, why)
	default:
		entry.Outcome, entry.Reason = audit.Refused, "confirmation not answered"
		hint := "Call delete_customer again with only customer_id to ask again."
		if errors.Is(err, confirm.ErrNoAnswer) {
			hint = fmt.Sprintf("The client did not answer the confirmation question within %s (this server is in --confirm-mode elicitation, which has no other way to confirm). Ask the user to answer the client's confirmation form; the server's operator can choose another --confirm-mode.", d.asker().Timeout())
		}
		return d.audited(ctx, entry, mcp.NewToolResultError("delete_customer: nothing was deleted: the user's confirmation could not be obtained ("+err.Error()+"). "+hint))
	}
}

// tokenRequired issues a confirmation_token; why, if set, starts the text
// with the reason no question was asked.
func tokenRequired(ctx context.Context, d Deps, c atomicapi.Customer, subject confirm.Subject, why string) *mcp.CallToolResult {
	token, expires := d.Confirmer.Issue(confirm.PurposeDeleteToken, subject)
	out := DeleteCustomerOutput{
		Status:            "confirmation_required",
		Customer:          c,
		ConfirmationToken: token,
		ExpiresAt:         expires.UTC().Format(time.RFC3339),
	}
	text := fmt.Sprintf("%sNothing has been deleted yet. Show the user this customer and ask them to explicitly approve deleting it; it cannot be undone:\n- %s\n"+
		"Only if the user approves, call delete_customer again with customer_id %d and confirmation_token %q (valid until %s). If they do not approve, do nothing.",
		why, customerLine(c), c.CustomerID, token, out.ExpiresAt)
	entry := audit.Entry{Tool: "delete_customer", CustomerID: c.CustomerID, CustomerName: c.CustomerName, Outcome: audit.ConfirmationRequested, Confirmation: audit.ViaToken}
	calllog.Set(ctx, calllog.AskedUser)
	return d.audited(ctx, entry, mcp.NewToolResultStructured(out, text))
}

// askInBrowser makes an approval link. Nothing is deleted until a person
// presses Delete on its page; the assistant gets only the link.
func askInBrowser(ctx context.Context, d Deps, c atomicapi.Customer) *mcp.CallToolResult {
	entry := audit.Entry{Tool: "delete_customer", CustomerID: c.CustomerID, CustomerName: c.CustomerName, Outcome: audit.ConfirmationRequested, Confirmation: audit.ViaBrowser}
	rec := d.Approvals.Create(approval.Card{
		CustomerID: c.CustomerID, Name: c.CustomerName, AccountNumber: c.AccountNumber, Created: c.CreatedDate,
		Address:     address(c),
		RequestedBy: requester(ctx),
	}, auth.IDFrom(ctx), browserDelete(d, c))
	link, err := d.Approvals.Link(rec.ID)
	if err != nil {
		entry.Outcome, entry.Reason = audit.Failed, "approval page unavailable"
		return d.audited(ctx, entry, mcp.NewToolResultError(fmt.Sprintf("delete_customer: nothing was deleted: the approval page could not be served (%v). Tell the server's operator.", err)))
	}
	out := DeleteCustomerOutput{Status: "approval_required", Customer: c, ConfirmationToken: rec.ID, ApprovalURL: link, ExpiresAt: rec.Expires.UTC().Format(time.RFC3339)}
	text := fmt.Sprintf("Nothing has been deleted. Deleting needs the user's approval in their browser: give the user this link and ask them to open it, check the customer and press Delete or Cancel:\n%s\n"+
		"You cannot approve it yourself. The link expires at %s. Once the user says they have decided, call delete_customer again with customer_id %d and confirmation_token %q to learn the outcome.",
		link, out.ExpiresAt, c.CustomerID, rec.ID)
	calllog.Set(ctx, calllog.AskedUser)
	return d.audited(ctx, entry, mcp.NewToolResultStructured(out, text))
}

// browserDelete is what the approval page runs when the person presses
// Delete: the customer is looked up again, and deleted only if it is still
// the one they were shown.
func browserDelete(d Deps, shown atomicapi.Customer) approval.Action {
	return func(ctx context.Context) approval.Outcome {
		entry := audit.Entry{Tool: "delete_customer", CustomerID: shown.CustomerID, CustomerName: shown.CustomerName, Confirmation: audit.ViaBrowser}
		now, stop := findForDelete(ctx, d.API, shown.CustomerID)
		if stop != nil {
			entry.Outcome, entry.Reason = stop.outcome, stop.reason
			return approval.Outcome{Message: ResultText(d.audited(ctx, entry, stop.result))}
		}
		if now.CustomerName != shown.CustomerName || now.AccountNumber != shown.AccountNumber {
			entry.Outcome, entry.Reason = audit.Refused, "customer changed since the approval was asked"
			return approval.Outcome{Message: ResultText(d.audited(ctx, entry, mcp.NewToolResultError("the customer's name or account number changed since this page was made, so nothing was deleted.")))}
		}
		res := doDelete(ctx, d, now, audit.ViaBrowser)
		return approval.Outcome{Deleted: !res.IsError, Message: ResultText(res)}
	}
}

// browserOutcome answers the assistant's second call in browser mode with
// what the person decided. The approval id is only a reference to that
// decision: passing it never deletes anything by itself.
func browserOutcome(ctx context.Context, d Deps, c atomicapi.Customer, id string) *mcp.CallToolResult {
	entry := audit.Entry{Tool: "delete_customer", CustomerID: c.CustomerID, CustomerName: c.CustomerName, Outcome: audit.Refused, Confirmation: audit.ViaBrowser}
	rec, err := d.Approvals.Lookup(id, c.CustomerID)
	if err != nil {
		entry.Reason = "unknown approval"
		return d.audited(ctx, entry, mcp.NewToolResultError(fmt.Sprintf("delete_customer: nothing was deleted: confirmation_token is not an approval of customer_id %d from this server (approval links expire after 5 minutes). Call delete_customer with only customer_id to get a new approval link for the user.", c.CustomerID)))
	}
	if rec.Principal != auth.IDFrom(ctx) {
		entry.Reason = "approval of another person"
		return d.audited(ctx, entry, mcp.NewToolResultError(fmt.Sprintf("delete_customer: nothing was deleted by this call: this approval link was issued to another person, not to you (%s); only they learn its outcome. Call delete_customer with only customer_id to ask for an approval of your own.", whoami(ctx))))
	}
	out := DeleteCustomerOutput{Customer: c, ConfirmationToken: rec.ID, ExpiresAt: rec.Expires.UTC().Format(time.RFC3339)}
	switch rec.State {
	case approval.Pending:
		out.Status = "approval_pending"
		out.ApprovalURL, _ = d.Approvals.Link(rec.ID)
		return mcp.NewToolResultStructured(out, fmt.Sprintf("Still waiting: the user has not pressed Delete or Cancel yet, and nothing has been deleted. The link is %s (until %s). Ask the user to open it; do not call again until they say they have decided.", out.ApprovalURL, out.ExpiresAt))
	case approval.Deleting:
		out.Status = "approval_pending"
		return mcp.NewToolResultStructured(out, "The user approved and the delete is being sent right now; call again in a few seconds for the outcome.")
	case approval.Deleted:
		out.Status, out.ConfirmedVia, out.ApprovedAt = "deleted", audit.ViaBrowser, rec.DecidedAt.UTC().Format(time.RFC3339)
		return mcp.NewToolResultStructured(out, fmt.Sprintf("Deleted %s (approved in the browser at %s).", customerLine(c), out.ApprovedAt))
	case approval.Declined:
		out.Status = "declined"
		return mcp.NewToolResultStructured(out, fmt.Sprintf("The user pressed Cancel in the browser; nothing was deleted. %s is unchanged.", customerLine(c)))
	case approval.Failed:
		return mcp.NewToolResultError(fmt.Sprintf("delete_customer: the user approved in the browser at %s, but the delete did not succeed: %s", rec.DecidedAt.UTC().Format(time.RFC3339), rec.Outcome.Message))
	default: // expired
		out.Status = "expired"
		return mcp.NewToolResultStructured(out, fmt.Sprintf("The approval link expired at %s without an answer; nothing was deleted. Call delete_customer with only customer_id for a new link if the user still wants it deleted.", out.ExpiresAt))
	}
}

// ResultText is a result's text content, one part per line.
func ResultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
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
		short, long := tokenRefusal(ctx, err, c)
		entry.Outcome, entry.Reason = audit.Refused, short
		return d.audited(ctx, entry, mcp.NewToolResultError(long))
	}
	return decideAnswer(ctx, d, c, answer)
}

// decideAnswer deletes on an accepted, ticked answer, and on nothing else.
func decideAnswer(ctx context.Context, d Deps, c atomicapi.Customer, answer *mcp.ElicitationResult) *mcp.CallToolResult {
	entry := audit.Entry{Tool: "delete_customer", CustomerID: c.CustomerID, CustomerName: c.CustomerName, Confirmation: audit.ViaElicitation}
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
		if mayHaveReachedAPI(err) {
			return d.settleDelete(ctx, entry, c, via, err)
		}
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
func tokenRefusal(ctx context.Context, err error, c atomicapi.Customer) (short, long string) {
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
		short, why = reasonExpired, "the confirmation_token has expired (tokens last 5 minutes)"
	case errors.Is(err, confirm.ErrUsed):
		short, why = "confirmation already used", "the confirmation_token was already used"
	case errors.Is(err, confirm.ErrOtherPrincipal):
		short, why = "confirmation of another person", fmt.Sprintf("the confirmation_token is not valid for you: it was issued to another person, not to you (%s), and each person confirms their own deletes", whoami(ctx))
	default:
		short, why = "confirmation not valid", fmt.Sprintf("the confirmation_token is not valid for customer_id %d: it was issued for another customer, altered, issued by another server, or the customer changed since it was issued", c.CustomerID)
	}
	return short, fmt.Sprintf("delete_customer: nothing was deleted: %s. %s", why, again)
}

// whoami names the caller in a refusal.
func whoami(ctx context.Context) string {
	if p, ok := auth.From(ctx); ok {
		return p.Display()
	}
	return "no sign-in"
}

// requester names the caller on the approval page: the display name, with
// the email when it adds something; "" without sign-in.
func requester(ctx context.Context) string {
	p, ok := auth.From(ctx)
	switch {
	case !ok:
		return ""
	case p.Email != "" && p.Display() != p.Email:
		return p.Display() + " (" + p.Email + ")"
	}
	return p.Display()
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
