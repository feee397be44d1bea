package httpapi

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, api.Errorf(api.CodeBadRequest, "%s %q is not a positive integer", name, v)
	}
	return id, nil
}

// view runs fn in a read transaction and writes its result or error.
func (a *API) view(w http.ResponseWriter, r *http.Request, fn func(tx store.Tx) (any, error)) {
	var out any
	err := a.st.View(r.Context(), func(tx store.Tx) (err error) { out, err = fn(tx); return })
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) online(s *api.Staff) {
	if a.sig != nil {
		s.Online = a.sig.Online(s.ID)
	}
}

func (a *API) getMe(w http.ResponseWriter, r *http.Request, me *Me) {
	WriteJSON(w, http.StatusOK, me.Staff)
}

func (a *API) getSettings(w http.ResponseWriter, r *http.Request, me *Me) {
	a.view(w, r, func(tx store.Tx) (any, error) { return tx.Settings(me.ID()) })
}

func (a *API) putSettings(w http.ResponseWriter, r *http.Request, me *Me) {
	var s api.Settings
	if err := DecodeJSON(w, r, &s, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.PutSettings(r.Context(), me.ID(), s)
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}

// listStaff lists the staff of the caller's channels (admins: everyone).
func (a *API) listStaff(w http.ResponseWriter, r *http.Request, me *Me) {
	a.view(w, r, func(tx store.Tx) (any, error) {
		if me.Admin() {
			all, err := tx.ListStaff(0)
			for i := range all {
				a.online(&all[i])
			}
			return all, err
		}
		seen := map[int64]api.Staff{}
		for _, ch := range me.Staff.Channels {
			list, err := tx.ListStaff(ch)
			if err != nil {
				return nil, err
			}
			for _, s := range list {
				seen[s.ID] = s
			}
		}
		out := make([]api.Staff, 0, len(seen))
		for _, s := range seen {
			a.online(&s)
			out = append(out, s)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		return out, nil
	})
}

// sharesChannel reports whether the caller may look at staff member s.
func (me *Me) sharesChannel(s api.Staff) bool {
	if me.Admin() || s.ID == me.ID() {
		return true
	}
	for _, c := range s.Channels {
		if me.channels[c] {
			return true
		}
	}
	return false
}

func (a *API) staffEligibility(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	err = a.st.View(r.Context(), func(tx store.Tx) error {
		s, err := tx.Staff(id)
		if err != nil {
			return err
		}
		if !me.sharesChannel(s) {
			return api.Errorf(api.CodeForbidden, "staff %d is not in any of your channels", id)
		}
		return nil
	})
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	if a.calls == nil {
		WriteError(w, a.log, errNoCalls)
		return
	}
	out, err := a.calls.StaffEligibility(r.Context(), id)
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	if !me.Admin() { // only the caller's channels
		for ch := range out.Channels {
			if !me.CanSee(ch) {
				delete(out.Channels, ch)
			}
		}
	}
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) listChannels(w http.ResponseWriter, r *http.Request, me *Me) {
	a.view(w, r, func(tx store.Tx) (any, error) {
		all, err := tx.ListChannels()
		if err != nil {
			return nil, err
		}
		out := make([]api.Channel, 0, len(all))
		for _, c := range all {
			if me.CanSee(c.ID) {
				out = append(out, c)
			}
		}
		return out, nil
	})
}
