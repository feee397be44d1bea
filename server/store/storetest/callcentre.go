package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// testMenuAndMenuPath: a channel's IVR menu and a chat's menu path are
// stored and read back; a nil menu removes it.
func testMenuAndMenuPath(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	menu := &api.Menu{Root: "main", Nodes: []api.MenuNode{{ID: "main", TimeoutS: 4,
		Keys: map[string]api.MenuAction{"1": {Kind: api.MenuTeam, TeamID: f.team.ID}, "0": {Kind: api.MenuEveryone}}}}}
	ctx := context.Background()
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.SetMenu(f.channel.ID, menu); err != nil {
			return err
		}
		c, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		c.MenuPath = "1/2"
		return tx.UpdateChat(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx store.Tx) error {
		c, err := tx.Channel(f.channel.ID)
		if err != nil || !reflect.DeepEqual(c.Menu, menu) {
			t.Fatalf("menu %+v %v", c.Menu, err)
		}
		ch, err := tx.Chat(f.chat.ID)
		if err != nil || ch.MenuPath != "1/2" {
			t.Fatalf("menu path %q %v", ch.MenuPath, err)
		}
		return nil
	})
	db.Update(ctx, func(tx store.Tx) error { return tx.SetMenu(f.channel.ID, nil) })
	db.View(ctx, func(tx store.Tx) error {
		if c, _ := tx.Channel(f.channel.ID); c.Menu != nil {
			t.Fatalf("menu not removed: %+v", c.Menu)
		}
		return nil
	})
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.SetMenu(9999, nil) }); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("menu of a missing channel: %v", err)
	}
}
