package sqlite

import (
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// The text the search reads (see search.go) is written as is: FTS5 tables
// and triggers keep its index.

func (t *tx) InsertCustomer(c *api.Customer, profile, tags string) (int64, error) {
	return t.Insert(`INSERT INTO customers(number, name, profile, tags) VALUES (?,?,?,?)`, c.Number, c.Name, profile, tags)
}

func (t *tx) UpdateCustomerRow(c *api.Customer, profile, tags string) error {
	return t.UpdateOne("customer", c.ID, `UPDATE customers SET name=?, profile=?, tags=? WHERE id=?`, c.Name, profile, tags, c.ID)
}

func (t *tx) InsertMemo(m *api.Memo) (int64, error) {
	return t.Insert(`INSERT INTO memos(chat_id, staff_id, text, created) VALUES (?,?,?,?)`, m.ChatID, m.StaffID, m.Text, sqlstore.NS(m.Created))
}
