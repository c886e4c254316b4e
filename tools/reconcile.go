package tools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/names"
)

// reconcileTimeout bounds the fresh read that settles an ambiguous write.
// It runs even when the call's own context has ended: the user must be
// told what happened, and a read changes nothing.
const reconcileTimeout = 10 * time.Second

// settled is what a fresh read says of a write whose answer was lost.
type settled int

const (
	// unsettled: the read failed too; nobody knows.
	unsettled settled = iota
	// happened: the write was carried out despite the error.
	happened
	// didNotHappen: the account is as it was.
	didNotHappen
)

// reconcileCreate looks, fresh, for the customer an ambiguous create may
// have made: an active customer of the same name that was not there
// before. The write itself is never sent again.
func reconcileCreate(ctx context.Context, api API, name string, before map[int64]bool) (atomicapi.Customer, settled, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reconcileTimeout)
	defer cancel()
	all, err := api.ListCustomersFresh(ctx, "")
	if err != nil {
		return atomicapi.Customer{}, unsettled, err
	}
	for _, c := range all {
		if !c.Deleted() && !before[c.CustomerID] && names.Key(c.CustomerName) == names.Key(name) {
			return c, happened, nil
		}
	}
	return atomicapi.Customer{}, didNotHappen, nil
}

// reconcileDelete reads, fresh, whether customer id is gone after an
// ambiguous DELETE.
func reconcileDelete(ctx context.Context, api API, id int64) (settled, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reconcileTimeout)
	defer cancel()
	all, err := api.ListCustomersFresh(ctx, "")
	if err != nil {
		return unsettled, err
	}
	for _, c := range all {
		if c.CustomerID == id {
			if c.Deleted() {
				return happened, nil
			}
			return didNotHappen, nil
		}
	}
	return happened, nil // a deleted customer the API no longer lists
}

// mayHaveReachedAPI reports whether a failed write may have been carried
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

// settleCreate answers a create whose outcome the error left open. The
// trail says unknown first; a fresh read (never a second POST) then
// decides, and the user is told what it found: created despite the error,
// not created, or that nobody can tell yet.
func (d Deps) settleCreate(ctx context.Context, entry audit.Entry, name string, before []atomicapi.Customer, cause error) *mcp.CallToolResult {
	entry.Outcome, entry.Reason = audit.Unknown, failureReason(cause)
	if errors.Is(cause, context.Canceled) {
		// The caller has gone and nobody is told anything: the trail says
		// unknown, and the next create's duplicate guard reads afresh.
		return d.audited(ctx, entry, apiErrorResult("create the customer", cause))
	}
	_ = d.recordFirst(ctx, entry) // a trail that fails here fails again below, and is reported there
	seen := make(map[int64]bool, len(before))
	for _, c := range before {
		seen[c.CustomerID] = true
	}
	c, outcome, err := reconcileCreate(ctx, d.API, name, seen)
	failure := apiErrorResult("create the customer", cause)
	switch outcome {
	case happened:
		entry.Outcome, entry.CustomerID, entry.Reason = audit.Created, c.CustomerID, "reconciled: created despite "+failureReason(cause)
		text := fmt.Sprintf("Created %s. The Atomic API answered with an error (%s), but a fresh read of the account shows the customer WAS created, as customer_id %d: do not create it again.",
			customerLine(c), failureReason(cause), c.CustomerID)
		return d.audited(ctx, entry, mcp.NewToolResultStructured(CreateCustomerOutput{Status: "created", Customer: c}, text))
	case didNotHappen:
		entry.Outcome, entry.Reason = audit.Failed, "reconciled: not created ("+failureReason(cause)+")"
		failure.Content = append(failure.Content, mcp.NewTextContent("A fresh read of the account shows the customer was NOT created; it is safe to call create_customer again."))
	default:
		entry.Reason = "reconcile failed: " + failureReason(err)
		failure.Content = append(failure.Content, mcp.NewTextContent(fmt.Sprintf(
			"The customer may have been created even so, and a fresh read to check failed too (%s). Check with list_customers before trying again, and do not set allow_duplicate to get past a customer this attempt created.",
			failureReason(err))))
	}
	return d.audited(ctx, entry, failure)
}

// settleDelete answers a DELETE whose outcome the error left open, as
// settleCreate does a create: the DELETE is never sent again.
func (d Deps) settleDelete(ctx context.Context, entry audit.Entry, c atomicapi.Customer, via string, cause error) *mcp.CallToolResult {
	entry.Outcome, entry.Reason = audit.Unknown, failureReason(cause)
	if errors.Is(cause, context.Canceled) {
		return d.audited(ctx, entry, apiErrorResult(fmt.Sprintf("delete customer_id %d", c.CustomerID), cause))
	}
	_ = d.recordFirst(ctx, entry)
	outcome, err := reconcileDelete(ctx, d.API, c.CustomerID)
	failure := apiErrorResult(fmt.Sprintf("delete customer_id %d", c.CustomerID), cause)
	switch outcome {
	case happened:
		entry.Outcome, entry.Reason = audit.Deleted, "reconciled: deleted despite "+failureReason(cause)
		text := fmt.Sprintf("Deleted %s. The Atomic API answered with an error (%s), but a fresh read of the account shows the customer IS deleted.", customerLine(c), failureReason(cause))
		return d.audited(ctx, entry, mcp.NewToolResultStructured(DeleteCustomerOutput{Status: "deleted", Customer: c, ConfirmedVia: via}, text))
	case didNotHappen:
		entry.Outcome, entry.Reason = audit.Failed, "reconciled: still there ("+failureReason(cause)+")"
		failure.Content = append(failure.Content, mcp.NewTextContent(fmt.Sprintf(
			"A fresh read of the account shows customer_id %d is still there: it was NOT deleted. To try again, call delete_customer with only customer_id and ask the user again.", c.CustomerID)))
	default:
		entry.Reason = "reconcile failed: " + failureReason(err)
		failure.Content = append(failure.Content, mcp.NewTextContent(fmt.Sprintf(
			"It may have been deleted even so, and a fresh read to check failed too (%s). Check with list_customers whether it was deleted; to try again, call delete_customer with only customer_id and ask the user again.",
			failureReason(err))))
	}
	return d.audited(ctx, entry, failure)
}
