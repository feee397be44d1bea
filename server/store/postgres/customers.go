package postgres

import (
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// The text the search reads (see search.go) is written with its Go-folded
// copy (name_lc, text_lc), which the trigram indexes cover.

func (t *tx) InsertCustomer(c *api.Customer, profile, tags string) (int64, error) {
	return t.Insert(`INSERT INTO customers(number, name, name_lc, profile, tags) VALUES (?,?,?,?,?)`,
		c.Number, c.Name, fold(c.Name), profile, tags)
}

func (t *tx) UpdateCustomerRow(c *api.Customer, profile, tags string) error {
	return t.UpdateOne("customer", c.ID, `UPDATE customers SET name=?, name_lc=?, profile=?, tags=? WHERE id=?`,
		c.Name, fold(c.Name), profile, tags, c.ID)
}

func (t *tx) InsertMemo(m *api.Memo) (int64, error) {
	return t.Insert(`INSERT INTO memos(chat_id, staff_id, text, text_lc, created) VALUES (?,?,?,?,?)`,
		m.ChatID, m.StaffID, m.Text, fold(m.Text), sqlstore.NS(m.Created))
}
