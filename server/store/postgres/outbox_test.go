package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// TestDueSMSClaimsAcrossNodes: the SMS workers of two nodes poll the same
// outbox at once; each message goes to exactly one of them.
func TestDueSMSClaimsAcrossNodes(t *testing.T) {
	url := migratedURL(t)
	a, b := openURL(t, url), openURL(t, url)
	ctx := context.Background()
	const n = 200
	err := a.Update(ctx, func(tx store.Tx) error {
		ch := api.Channel{Name: "support", Timezone: "UTC"}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		chat := api.Chat{ChannelID: ch.ID, Medium: api.MediumPhone, State: api.ChatOpened, Customer: api.Customer{Number: "+1"}}
		if err := tx.CreateChat(&chat); err != nil {
			return err
		}
		for range n {
			if err := tx.(store.AutomationTx).EnqueueSMS(&api.SMS{ChatID: chat.ID, To: "+1", From: "+2", Body: "hi"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var mu sync.Mutex
	got := map[int64]int{}
	var wg sync.WaitGroup
	for _, db := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				due, err := db.DueSMS(ctx, now, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(due) == 0 {
					return
				}
				for _, m := range due {
					mu.Lock()
					got[m.ID]++
					mu.Unlock()
					if err := db.MarkSMSSent(ctx, m.ID, now, "p"); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(got) != n {
		t.Fatalf("%d of %d messages handed out", len(got), n)
	}
	for id, k := range got {
		if k != 1 {
			t.Fatalf("message %d handed out %d times", id, k)
		}
	}
	// A claimed message nobody marked is due again after the claim.
	err = a.Update(ctx, func(tx store.Tx) error {
		return tx.(store.AutomationTx).EnqueueSMS(&api.SMS{ChatID: 1, To: "+1", From: "+2", Body: "again"})
	})
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now()
	if due, _ := a.DueSMS(ctx, later, 10); len(due) != 1 {
		t.Fatalf("due = %+v", due)
	}
	if due, _ := b.DueSMS(ctx, later, 10); len(due) != 0 {
		t.Fatalf("claimed message handed out again at once: %+v", due)
	}
	if due, _ := b.DueSMS(ctx, later.Add(SMSClaim), 10); len(due) != 1 {
		t.Fatalf("message of a worker that died mid-send is not due after the claim: %+v", due)
	}
}
