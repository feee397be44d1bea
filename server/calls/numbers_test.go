package calls

import (
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// A number dialled the national way on a Japanese channel and the same
// number presented by the trunk in E.164 are one customer (issue 17).
func TestNationalAndInternationalNumbersAreOneCustomer(t *testing.T) {
	e := newEnv(t, newMemStore(), "", func(c *api.Channel) {
		c.Timezone, c.Numbers = "Asia/Tokyo", []string{"+81501234567"}
	})
	ann := e.addStaff(t, "ann", api.RoleOperator)
	res, err := e.m.Dial(e.ctx, ann, e.ch.ID, "03-1111-2222")
	must(t, err)
	e.drain()
	if res.Chat.Customer.Number != "+81311112222" {
		t.Fatalf("dialled customer %q", res.Chat.Customer.Number)
	}
	e.advance(time.Second)
	must(t, e.m.Hangup(e.ctx, ann, res.Call.ID))
	e.drain()
	id := e.inbound(t, "+81311112222")
	c := e.call(t, id)
	var chat api.Chat
	must(t, e.st.View(e.ctx, func(tx store.Tx) (err error) { chat, err = tx.Chat(c.ChatID); return }))
	if chat.Customer.ID != res.Chat.Customer.ID {
		t.Fatalf("two customers: %d (%s) and %d (%s)", res.Chat.Customer.ID, res.Chat.Customer.Number, chat.Customer.ID, chat.Customer.Number)
	}
}
