package sqlstore

import (
	"encoding/json"

	"github.com/meet-dev/meet/api"
)

const customerCols = `id, number, name, profile, tags`

func scanCustomer(sc Row) (api.Customer, error) {
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

func (t *Tx) Customer(id int64) (api.Customer, error) {
	c, err := scanCustomer(t.Conn.Row(`SELECT `+customerCols+` FROM customers WHERE id=?`, id))
	return c, One(err, "customer", id)
}

func (t *Tx) CustomerByNumber(number string) (api.Customer, error) {
	c, err := scanCustomer(t.Conn.Row(`SELECT `+customerCols+` FROM customers WHERE number=?`, number))
	return c, One(err, "customer with number", number)
}

// CustomerJSON is the profile and tags columns of c.
func CustomerJSON(c *api.Customer) (string, string) {
	profile, tags := c.Profile, c.Tags
	if profile == nil {
		profile = map[string]string{}
	}
	if tags == nil {
		tags = []string{}
	}
	return MustJSON(profile), MustJSON(tags)
}

func (t *Tx) CreateCustomer(c *api.Customer) error {
	profile, tags := CustomerJSON(c)
	err := t.Conn.Guard(func() (err error) {
		c.ID, err = t.Search.InsertCustomer(c, profile, tags)
		return err
	})
	if err != nil && api.CodeOf(t.D.MapErr(err)) == api.CodeConflict {
		return api.Errorf(api.CodeConflict, "customer with number %s exists", c.Number)
	}
	return err
}

func (t *Tx) UpdateCustomer(c *api.Customer) error {
	profile, tags := CustomerJSON(c)
	return t.Search.UpdateCustomerRow(c, profile, tags)
}

// CustomerChannels lists the channels in which a customer has chats.
func (t *Tx) CustomerChannels(customerID int64) ([]int64, error) {
	return t.Int64s(`SELECT DISTINCT channel_id FROM chats WHERE customer_id=?`, customerID)
}
