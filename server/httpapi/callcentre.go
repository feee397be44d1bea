package httpapi

import (
	"net/http"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Call-centre routes (api/callcentre.go).

func (a *API) adminGetMenu(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	a.view(w, r, func(tx store.Tx) (any, error) {
		c, err := tx.Channel(id)
		if err != nil {
			return nil, err
		}
		if c.Menu == nil {
			return nil, api.Errorf(api.CodeNotFound, "channel %d has no menu", id)
		}
		return c.Menu, nil
	})
}

func (a *API) adminPutMenu(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var m api.Menu
	if err := DecodeJSON(w, r, &m, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	menu := &m
	if m.Root == "" && len(m.Nodes) == 0 {
		menu = nil // {} removes the menu
	}
	out, err := a.inbox.SetMenu(r.Context(), me.ID(), id, menu)
	a.reply(w, http.StatusOK, out, err)
}

func (a *API) adminDeleteMenu(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.SetMenu(r.Context(), me.ID(), id, nil)
	a.reply(w, http.StatusOK, out, err)
}
