package app

import (
	"context"

	"github.com/atomtelecom/atomic-mcp/internal/approval"
	"github.com/atomtelecom/atomic-mcp/internal/audit"
	"github.com/atomtelecom/atomic-mcp/internal/telemetry"
	"github.com/atomtelecom/atomic-mcp/tools"
)

// countConfirmations counts delete confirmations from the audit entries
// every step of one writes, then passes each on to the trail, if any. An
// entry the trail could not keep is not counted: its step did not happen.
type countConfirmations struct {
	next    tools.Auditor // nil: no trail
	metrics *telemetry.Metrics
}

func (c countConfirmations) Record(ctx context.Context, e audit.Entry) error {
	if c.next != nil {
		if err := c.next.Record(ctx, e); err != nil {
			return err
		}
	}
	if via, outcome, ok := tools.ConfirmationOutcome(e); ok {
		c.metrics.Confirmation(ctx, via, outcome)
	}
	return nil
}

// browserEnded counts the browser approvals nobody audits: those declined
// on the page and those that expired.
func browserEnded(m *telemetry.Metrics) func(approval.State) {
	return func(s approval.State) {
		switch s {
		case approval.Declined:
			m.Confirmation(context.Background(), audit.ViaBrowser, tools.ConfirmationDeclined)
		case approval.Expired:
			m.Confirmation(context.Background(), audit.ViaBrowser, tools.ConfirmationExpired)
		}
	}
}
