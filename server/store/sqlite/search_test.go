package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Rare text looks the few customers up by id; text matching more than
// textSetLimit customers walks the chats newest first against the set of
// matches from the suffix index, more than textCheckLimit checks each chat's
// customer in place. All find the same chats as a plain scan would.
func TestSearchSuffixIndexCommonAndRare(t *testing.T) {
	db, _ := openTest(t)
	f := seed(t, db)
	ctx := context.Background()
	n := textCheckLimit + 100
	err := db.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			name := fmt.Sprintf("Common Person %d", i)
			if i >= textCheckLimit-3*textSetLimit/2 { // fewer than textCheckLimit of these
				name = fmt.Sprintf("Usual Person %d", i)
			}
			if i%700 == 0 {
				name = fmt.Sprintf("Rare Zebra %d", i)
			}
			number := fmt.Sprintf("+4917%07d", i)
			if i%1000 == 1 {
				number = fmt.Sprintf("Anonymous%d", i)
			}
			c := api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: number, Name: name}}
			if err := tx.CreateChat(&c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The oracle: every chat, newest first, filtered here.
	var all []api.Chat
	cursor := ""
	for {
		var l api.ChatList
		if err := db.View(ctx, func(tx store.Tx) (err error) {
			l, err = tx.SearchChats(api.ChatQuery{Limit: 200, Cursor: cursor}, nil)
			return
		}); err != nil {
			t.Fatal(err)
		}
		all = append(all, l.Chats...)
		if cursor = l.NextCursor; cursor == "" {
			break
		}
	}
	for _, q := range []string{"common", "usual", "person", "COMMON PERSON 20", "ANON", "zebra", "4917000", "0002099", "son 1", "nobody"} {
		var want []int64
		for _, c := range all {
			if strings.Contains(strings.ToLower(c.Customer.Name), strings.ToLower(q)) || strings.Contains(strings.ToLower(c.Customer.Number), strings.ToLower(q)) {
				want = append(want, c.ID)
			}
		}
		var got []int64
		cursor := ""
		for {
			var l api.ChatList
			if err := db.View(ctx, func(tx store.Tx) (err error) {
				l, err = tx.SearchChats(api.ChatQuery{Q: q, Limit: 200, Cursor: cursor}, nil)
				return
			}); err != nil {
				t.Fatalf("q=%q: %v", q, err)
			}
			for _, c := range l.Chats {
				got = append(got, c.ID)
			}
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("q=%q: %d chats, want %d (newest %v, want %v)", q, len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
		}
	}
	if len(all) < n {
		t.Fatalf("%d chats listed, want at least %d", len(all), n)
	}
}

func TestASCIIFolded(t *testing.T) {
	for in, want := range map[string]string{"Tanaka": "tanaka", "+81 90": "+81 90", "田中": "田中", "ÉMILE": "", "müller": "", "a_B%": "a_b%"} {
		got, ok := asciiFolded(in)
		if ok != (want != "") || got != want {
			t.Errorf("asciiFolded(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
