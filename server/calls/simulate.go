package calls

import (
	"context"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/routing"
	"github.com/meet-dev/meet/server/store"
)

// Offline is the live state a stored database cannot tell, for SimulateStore.
type Offline struct {
	// Online reports whether a member's softphone counts as connected; nil: everyone's is.
	Online func(staffID int64) bool
	// LastCallEnded feeds the longest-idle strategy; nil: nobody had a call.
	LastCallEnded func(staffID int64) time.Time
	// MenuTeamID is the team the channel's IVR menu chose for the call
	// (routing.Input.Target); 0: none.
	MenuTeamID int64
}

// SimulateStore decides a hypothetical inbound call to channelID at instant
// at from the database alone (no running meetd): staff in calls and ringing
// come from the stored live calls, presence from o. It backs
// `meetd route simulate`. The returned staff list names everyone in the channel.
func SimulateStore(ctx context.Context, st store.Store, channelID int64, at time.Time, o Offline) (routing.Decision, []api.Staff, error) {
	v, err := loadView(ctx, st, channelID)
	if err != nil {
		return routing.Decision{}, nil, err
	}
	if v.tzErr != nil {
		return routing.Decision{}, nil, v.tzErr
	}
	inCall, ringing := map[int64]bool{}, map[int64]int64{}
	var staff []api.Staff
	err = st.View(ctx, func(tx store.Tx) error {
		live, err := tx.LiveCalls(0)
		if err != nil {
			return err
		}
		for _, c := range live {
			for _, p := range c.Participants {
				if p.Left == nil {
					inCall[p.StaffID] = true
				}
			}
			for _, a := range c.RingAttempts {
				if a.Ended == nil {
					ringing[a.StaffID] = c.ID
				}
			}
		}
		staff, err = tx.ListStaff(channelID)
		return err
	})
	if err != nil {
		return routing.Decision{}, nil, err
	}
	members := make([]routing.Member, len(v.staff))
	for i, s := range v.staff {
		s.InCall, s.RingingCallID = inCall[s.ID], ringing[s.ID]
		s.Online = o.Online == nil || o.Online(s.ID)
		if o.LastCallEnded != nil {
			s.LastCallEnded = o.LastCallEnded(s.ID)
		}
		members[i] = s
	}
	in := routing.Input{Channel: v.channel, Location: v.loc, Team: v.team, Staff: members, Now: at}
	if o.MenuTeamID != 0 {
		t, ok := v.teams[o.MenuTeamID]
		if !ok {
			return routing.Decision{}, nil, api.Errorf(api.CodeNotFound, "the menu's team %d is not a team of channel %d", o.MenuTeamID, channelID)
		}
		in.Target = &t
	}
	d, err := routing.Decide(in)
	return d, staff, err
}
