package routing

import (
	"slices"
	"testing"

	"github.com/meet-dev/meet/api"
)

// TestTargetTeam: an IVR menu's team rings only its members, all at once
// unless it auto-assigns, and takes the place of the channel's auto-assign team.
func TestTargetTeam(t *testing.T) {
	staff := []Member{ok(1), ok(2), ok(3), ok(4)}
	sales := &api.Team{ID: 5, ChannelID: 7, Members: []int64{2, 3}}
	auto := &api.Team{ID: 6, ChannelID: 7, AutoAssign: true, Members: []int64{1, 4}}

	in := Input{Channel: channel(), Staff: staff, Now: now, Target: sales}
	d, err := Decide(in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Mode != ModeRingAll || !slices.Equal(d.Ring, []int64{2, 3}) || d.Reason(1) != api.IneligibleNotInTeam || d.Reason(4) != api.IneligibleNotInTeam {
		t.Fatalf("ring-all target: %+v", d)
	}

	// The channel auto-assigns team 6, but the caller chose sales.
	in.Channel.AutoAssignTeamID, in.Team = ptr(int64(6)), auto
	if d, err = Decide(in); err != nil || d.Mode != ModeRingAll || !slices.Equal(d.Ring, []int64{2, 3}) {
		t.Fatalf("target over the auto-assign team: %+v %v", d, err)
	}

	// A target team that auto-assigns rings one member at a time.
	autoSales := *sales
	autoSales.AutoAssign = true
	in.Target = &autoSales
	if d, err = Decide(in); err != nil || d.Mode != ModeOneAtATime || len(d.Ring) != 1 || !slices.Contains(sales.Members, d.Ring[0]) {
		t.Fatalf("auto-assigning target: %+v %v", d, err)
	}
}
