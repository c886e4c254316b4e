package tools

import "github.com/atomtelecom/atomic-mcp/internal/audit"

// reasonExpired is the audit reason of a confirmation refused because its
// token or elicitation state ran out of time.
const reasonExpired = "confirmation expired"

// The outcomes of a delete confirmation, as metrics count them.
const (
	ConfirmationRequested = "requested"
	ConfirmationApproved  = "approved"
	ConfirmationDeclined  = "declined"
	ConfirmationExpired   = "expired"
	ConfirmationRefused   = "refused"
)

// ConfirmationOutcome reads a delete confirmation's outcome from its audit
// entry: every step of one is audited, with the path it took in
// Confirmation. Entries of anything else (a create, a delete stopped before
// any confirmation, the delete's own result) report ok false. A browser
// approval that is declined or expires is not audited: internal/approval
// reports those.
func ConfirmationOutcome(e audit.Entry) (via, outcome string, ok bool) {
	if e.Tool != "delete_customer" || e.Confirmation == "" {
		return "", "", false
	}
	switch e.Outcome {
	case audit.ConfirmationRequested:
		outcome = ConfirmationRequested
	case audit.Approved:
		outcome = ConfirmationApproved
	case audit.Declined:
		outcome = ConfirmationDeclined
	case audit.Refused:
		outcome = ConfirmationRefused
		if e.Reason == reasonExpired {
			outcome = ConfirmationExpired
		}
	default:
		return "", "", false
	}
	return e.Confirmation, outcome, true
}
