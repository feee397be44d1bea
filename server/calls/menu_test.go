package calls

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// menuEnv is a channel whose menu sends 1 to the "sales" level (1 → team
// sales) and 0 to everyone; ann is in the channel, bob in team sales.
func menuEnv(t *testing.T) (e *env, ann, bob, sales int64) {
	e = newEnv(t, newMemStore(), "", nil)
	ann = e.addStaff(t, "ann", api.RoleOperator)
	bob = e.addStaff(t, "bob", api.RoleOperator)
	must(t, e.st.Update(e.ctx, func(tx store.Tx) error {
		team := api.Team{ChannelID: e.ch.ID, Name: "sales", Strategy: api.StrategyLongestIdle}
		if err := tx.CreateTeam(&team); err != nil {
			return err
		}
		sales = team.ID
		if err := tx.AddTeamMember(team.ID, bob); err != nil {
			return err
		}
		return tx.SetMenu(e.ch.ID, &api.Menu{Root: "main", Nodes: []api.MenuNode{
			{ID: "main", Tries: 2, Keys: map[string]api.MenuAction{"1": {Kind: api.MenuGoto, Menu: "sales"}, "0": {}}},
			{ID: "sales", TimeoutS: 3, Keys: map[string]api.MenuAction{"1": {Kind: api.MenuTeam, TeamID: team.ID}}},
		}})
	}))
	return e, ann, bob, sales
}

func TestMenuTwoLevelsToATeam(t *testing.T) {
	e, _, bob, sales := menuEnv(t)
	id := e.inbound(t, "+4915100")
	if e.state(id) != api.CallMenu || !e.media.has(fmt.Sprintf("play %d menu-main", id)) || len(e.ringingFor(id)) != 0 {
		t.Fatalf("after the greeting: state %s media %v ringing %v", e.state(id), e.media.log, e.ringingFor(id))
	}
	e.m.DTMF(id, '1')
	e.drain()
	if !e.media.has(fmt.Sprintf("play %d menu-sales", id)) || e.state(id) != api.CallMenu {
		t.Fatalf("key 1: state %s media %v", e.state(id), e.media.log)
	}
	e.m.DTMF(id, '1')
	e.drain()
	if got := e.ringingFor(id); !slices.Equal(got, []int64{bob}) {
		t.Fatalf("team sales should ring bob only, rings %v", got)
	}
	ch := e.chat(t, e.call(t, id).ChatID)
	if ch.MenuPath != "1/1" || ch.TeamID == nil || *ch.TeamID != sales {
		t.Fatalf("chat menu path %q team %v", ch.MenuPath, ch.TeamID)
	}
	evs := e.events(t, id)
	if countType(evs, api.EvCallMenu) != 2 || countType(evs, api.EvCallMenuChosen) != 1 || countType(evs, api.EvCallDTMF) != 2 {
		t.Fatalf("events %v", evs)
	}
	if _, err := e.m.Accept(e.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	// Keys after the decision are recorded and change nothing.
	e.m.DTMF(id, '0')
	e.drain()
	if e.state(id) != api.CallActive {
		t.Fatalf("state %s after a late key", e.state(id))
	}
}

func TestMenuTimeoutsAndInvalidKeysTakeTheDefault(t *testing.T) {
	e, ann, bob, _ := menuEnv(t)
	id := e.inbound(t, "+4915100")
	e.m.DTMF(id, '7') // means nothing: the prompt repeats (try 2 of 2)
	e.drain()
	if e.state(id) != api.CallMenu || len(e.ringingFor(id)) != 0 {
		t.Fatalf("after an invalid key: %s", e.state(id))
	}
	e.advance(api.DefaultMenuTimeoutS * time.Second) // tries run out: default everyone
	if got := e.ringingFor(id); !slices.Equal(got, []int64{ann, bob}) {
		t.Fatalf("default should ring everyone, rings %v", got)
	}
	ch := e.chat(t, e.call(t, id).ChatID)
	if ch.MenuPath != "" || ch.TeamID != nil {
		t.Fatalf("chat menu path %q team %v", ch.MenuPath, ch.TeamID)
	}
}

func TestMenuCallerHangsUpInMenu(t *testing.T) {
	e, _, _, _ := menuEnv(t)
	id := e.inbound(t, "+4915100")
	e.m.CallerHungUp(id, "")
	e.drain()
	missed(t, e, id, api.ReasonUserLeft)
	e.advance(time.Minute) // no menu timer outlives the call
}
