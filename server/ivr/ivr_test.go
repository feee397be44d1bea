package ivr

import (
	"errors"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

// twoLevel is the menu of the issue: 1 → sales (a second level), 2 →
// voicemail, 0 → everyone; sales: 1 → team 7, 9 → back to main.
func twoLevel() *api.Menu {
	return &api.Menu{Root: "main", Nodes: []api.MenuNode{
		{ID: "main", Tries: 2, Keys: map[string]api.MenuAction{
			"1": {Kind: api.MenuGoto, Menu: "sales"},
			"2": {Kind: api.MenuVoicemail},
			"0": {Kind: api.MenuEveryone},
		}, Default: api.MenuAction{Kind: api.MenuTeam, TeamID: 3}},
		{ID: "sales", TimeoutS: 2, Keys: map[string]api.MenuAction{
			"1": {Kind: api.MenuTeam, TeamID: 7},
			"9": {Kind: api.MenuGoto, Menu: "main"},
		}},
	}}
}

type in struct {
	key     string // "" means a time-out
	prompt  string // expected prompt, or "" when decided
	invalid bool
}

func TestWalk(t *testing.T) {
	cases := []struct {
		name   string
		inputs []in
		want   *api.MenuChoice
	}{
		{"two levels to a team", []in{{"1", "sales", false}, {"1", "", false}},
			&api.MenuChoice{Path: "1/1", Node: "sales", Reason: "key", Action: api.MenuAction{Kind: api.MenuTeam, TeamID: 7}}},
		{"voicemail", []in{{"2", "", false}},
			&api.MenuChoice{Path: "2", Node: "main", Reason: "key", Action: api.MenuAction{Kind: api.MenuVoicemail}}},
		{"invalid key repeats, then a valid one", []in{{"5", "main", true}, {"0", "", false}},
			&api.MenuChoice{Path: "0", Node: "main", Reason: "key", Action: api.MenuAction{Kind: api.MenuEveryone}}},
		{"time-outs run out into the default", []in{{"", "main", false}, {"", "", false}},
			&api.MenuChoice{Path: "", Node: "main", Reason: "default", Action: api.MenuAction{Kind: api.MenuTeam, TeamID: 3}}},
		{"a zero default means everyone", []in{{"1", "sales", false}, {"", "sales", false}, {"#", "sales", true}, {"", "", false}},
			&api.MenuChoice{Path: "1", Node: "sales", Reason: "default", Action: api.MenuAction{Kind: api.MenuEveryone}}},
		{"back to the root starts its tries afresh", []in{{"1", "sales", false}, {"9", "main", false}, {"", "main", false}, {"2", "", false}},
			&api.MenuChoice{Path: "1/9/2", Node: "main", Reason: "key", Action: api.MenuAction{Kind: api.MenuVoicemail}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := twoLevel()
			s, step, err := Start(m)
			if err != nil || step.Prompt != "main" || step.Timeout != 5*time.Second {
				t.Fatalf("start: %+v %v", step, err)
			}
			for i, x := range tc.inputs {
				if x.key == "" {
					s, step, err = Timeout(m, s)
				} else {
					s, step, err = Press(m, s, x.key)
				}
				if err != nil {
					t.Fatalf("input %d: %v", i, err)
				}
				if step.Prompt != x.prompt || step.Invalid != x.invalid {
					t.Fatalf("input %d (%q): step %+v, want prompt %q invalid %v", i, x.key, step, x.prompt, x.invalid)
				}
			}
			if step.Choice == nil || *step.Choice != *tc.want {
				t.Fatalf("choice %+v, want %+v", step.Choice, tc.want)
			}
			if _, _, err := Press(m, s, "1"); !errors.Is(err, ErrDecided) {
				t.Fatalf("input after the decision: %v", err)
			}
		})
	}
}

func TestCircularDefaultsEnd(t *testing.T) {
	m := &api.Menu{Root: "a", Nodes: []api.MenuNode{
		{ID: "a", Tries: 1, Keys: map[string]api.MenuAction{"1": {}}, Default: api.MenuAction{Kind: api.MenuGoto, Menu: "b"}},
		{ID: "b", Tries: 1, Keys: map[string]api.MenuAction{"1": {}}, Default: api.MenuAction{Kind: api.MenuGoto, Menu: "a"}},
	}}
	s, step, _ := Start(m)
	for i := 0; step.Choice == nil; i++ {
		if i > MaxPlays+1 {
			t.Fatal("menu never ended")
		}
		var err error
		if s, step, err = Timeout(m, s); err != nil {
			t.Fatal(err)
		}
	}
	if step.Choice.Reason != "limit" || step.Choice.Action.Kind != api.MenuEveryone {
		t.Fatalf("choice %+v", step.Choice)
	}
}

func TestValidate(t *testing.T) {
	good := twoLevel()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(m *api.Menu){
		func(m *api.Menu) { m.Root = "nope" },
		func(m *api.Menu) { m.Nodes[1].ID = "main" },
		func(m *api.Menu) { m.Nodes[0].ID = "Main!" },
		func(m *api.Menu) { m.Nodes[0].Keys["11"] = api.MenuAction{} },
		func(m *api.Menu) { m.Nodes[0].Keys["3"] = api.MenuAction{Kind: api.MenuGoto, Menu: "x"} },
		func(m *api.Menu) { m.Nodes[0].Keys["3"] = api.MenuAction{Kind: api.MenuTeam} },
		func(m *api.Menu) { m.Nodes[0].Keys["3"] = api.MenuAction{Kind: "dance"} },
		func(m *api.Menu) { m.Nodes[0].TimeoutS = 61 },
		func(m *api.Menu) { m.Nodes[1].Keys = nil },
		func(m *api.Menu) { m.Nodes = nil },
	}
	for i, f := range bad {
		m := twoLevel()
		f(m)
		if err := m.Validate(); api.CodeOf(err) != api.CodeBadRequest {
			t.Errorf("case %d: %v, want bad_request", i, err)
		}
	}
}

func TestWalkKeysThenTimeouts(t *testing.T) {
	m := &api.Menu{Root: "main", Nodes: []api.MenuNode{
		{ID: "main", Keys: map[string]api.MenuAction{"1": {Kind: api.MenuGoto, Menu: "sales"}, "2": {Kind: api.MenuVoicemail}}, TimeoutS: 4, Tries: 2},
		{ID: "sales", Keys: map[string]api.MenuAction{"2": {Kind: api.MenuTeam, TeamID: 7}}, Default: api.MenuAction{Kind: api.MenuTeam, TeamID: 8}},
	}}
	for _, c := range []struct {
		keys   []string
		want   api.MenuAction
		path   string
		reason string
		waited time.Duration
	}{
		{[]string{"1", "2"}, api.MenuAction{Kind: api.MenuTeam, TeamID: 7}, "1/2", "key", 0},
		{[]string{"2", "1"}, api.MenuAction{Kind: api.MenuVoicemail}, "2", "key", 0},
		{[]string{"1"}, api.MenuAction{Kind: api.MenuTeam, TeamID: 8}, "1", "default", 3 * 5 * time.Second},
		{nil, api.MenuAction{Kind: api.MenuEveryone}, "", "default", 2 * 4 * time.Second},
		{[]string{"9", "1", "2"}, api.MenuAction{Kind: api.MenuTeam, TeamID: 7}, "1/2", "key", 0}, // 9 repeats the prompt
	} {
		ch, waited, err := Walk(m, c.keys)
		if err != nil || ch.Action != c.want || ch.Path != c.path || ch.Reason != c.reason || waited != c.waited {
			t.Errorf("Walk(%q) = %+v after %v, %v; want %+v %q %s after %v", c.keys, ch, waited, err, c.want, c.path, c.reason, c.waited)
		}
	}
}
