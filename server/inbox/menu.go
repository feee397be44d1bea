package inbox

import (
	"context"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// SetMenu validates and stores a channel's IVR menu (nil removes it). Every
// team a key routes to must belong to the channel.
func (s *Service) SetMenu(ctx context.Context, actor, channelID int64, m *api.Menu) (api.Channel, error) {
	if m != nil {
		if err := m.Validate(); err != nil {
			return api.Channel{}, err
		}
	}
	var out api.Channel
	err := s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Channel(channelID)
		if err != nil {
			return err
		}
		if m != nil {
			for _, id := range m.MenuTeams() {
				tm, err := tx.Team(id)
				if api.CodeOf(err) == api.CodeNotFound {
					return badRequest("menu routes to team %d, which does not exist", id)
				}
				if err != nil {
					return err
				}
				if tm.ChannelID != channelID {
					return badRequest("menu routes to team %d of channel %d, not of channel %d", id, tm.ChannelID, channelID)
				}
			}
		}
		if err := tx.SetMenu(channelID, m); err != nil {
			return err
		}
		if err := channelEvent(tx, c, actor, "menu"); err != nil {
			return err
		}
		out, err = tx.Channel(channelID)
		return err
	})
	return out, err
}
