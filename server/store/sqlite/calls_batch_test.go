package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// CloseMissedChat leaves the chat as UpdateChat would with the same change.
func TestCloseMissedChat(t *testing.T) {
	db, _ := openTest(t)
	f := seed(t, db)
	ctx := context.Background()
	at := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	err := db.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		c.State, c.SnoozedUntil, c.AssigneeID = api.ChatSnoozed, &at, &f.staff.ID
		if err := tx.UpdateChat(&c); err != nil {
			return err
		}
		return tx.CloseMissedChat(f.chat.ID, api.ReasonNotInOperation, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		if c.State != api.ChatClosed || c.SnoozedUntil != nil || !c.Missed || c.MissedReason != api.ReasonNotInOperation ||
			c.Closed == nil || !c.Closed.Equal(at) || c.AssigneeID == nil || *c.AssigneeID != f.staff.ID {
			t.Errorf("chat after CloseMissedChat: %+v", c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		return tx.CloseMissedChat(f.chat.ID+1000, api.ReasonNoOperator, at)
	})
	if !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown chat: err %v, want not found", err)
	}
}
