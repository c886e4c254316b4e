package tools

import (
	"context"
	"time"

	"github.com/atomtelecom/atomic-mcp/internal/atomicapi"
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
