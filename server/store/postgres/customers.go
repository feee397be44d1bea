package postgres

import (
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/meet-dev/meet/api"
)

const customerCols = `id, number, name, profile, tags`

func scanCustomer(sc pgx.Row) (api.Customer, error) {
	var c api.Customer
	var profile, tags string
	if err := sc.Scan(&c.ID, &c.Number, &c.Name, &profile, &tags); err != nil {
		return c, err
	}
	return c, unmarshalCustomer(profile, tags, &c)
}

func unmarshalCustomer(profile, tags string, c *api.Customer) error {
	if err := json.Unmarshal([]byte(profile), &c.Profile); err != nil {
		return err
	}
	if len(c.Profile) == 0 {
		c.Profile = nil
	}
	if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
		return err
	}
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	return nil
}

func (t *tx) Customer(id int64) (api.Customer, error) {
	c, err := scanCustomer(t.row(`SELECT `+customerCols+` FROM customers WHERE id=?`, id))
	return c, one(err, "customer", id)
}

func (t *tx) CustomerByNumber(number string) (api.Customer, error) {
	c, err := scanCustomer(t.row(`SELECT `+customerCols+` FROM customers WHERE number=?`, number))
	return c, one(err, "customer with number", number)
}

func customerJSON(c *api.Customer) (string, string) {
	profile, tags := c.Profile, c.Tags
	if profile == nil {
		profile = map[string]string{}
	}
	if tags == nil {
		tags = []string{}
	}
	return mustJSON(profile), mustJSON(tags)
}

func (t *tx) CreateCustomer(c *api.Customer) error {
	profile, tags := customerJSON(c)
	err := t.guarded(func() (err error) {
		c.ID, err = t.insertID(`INSERT INTO customers(number, name, name_lc, profile, tags) VALUES (?,?,?,?,?)`,
			c.Number, c.Name, fold(c.Name), profile, tags)
		return err
	})
	if err != nil && api.CodeOf(mapErr(err)) == api.CodeConflict {
		return api.Errorf(api.CodeConflict, "customer with number %s exists", c.Number)
	}
	return err
}

func (t *tx) UpdateCustomer(c *api.Customer) error {
	profile, tags := customerJSON(c)
	return t.update("customer", c.ID, `UPDATE customers SET name=?, name_lc=?, profile=?, tags=? WHERE id=?`,
		c.Name, fold(c.Name), profile, tags, c.ID)
}

// CustomerChannels lists the channels in which a customer has chats.
func (t *tx) CustomerChannels(customerID int64) ([]int64, error) {
	return t.int64s(`SELECT DISTINCT channel_id FROM chats WHERE customer_id=?`, customerID)
}
