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
	return s.changeChannel(ctx, actor, channelID, "menu", func(tx store.Tx, _ *api.Channel) error {
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
		return tx.SetMenu(channelID, m)
	})
}
