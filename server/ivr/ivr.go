// Package ivr is the pure policy of a channel's IVR menu (SPEC §3b): given
// the menu, where the caller is and one input (a key, a time-out), it says
// what happens next: play a node's prompt, or a decision (a team, voicemail,
// everyone). It does no I/O and keeps no clock; server/calls plays the
// prompts, arms the time-outs and acts on the decision.
//
// States and inputs:
//
//	Start            → prompt(root)
//	prompt(n) + key k in n.Keys:  menu:X → prompt(X); other → decided(k's action)
//	prompt(n) + key not in n.Keys, or time-out:
//	                   tries left → prompt(n) again; none left → decided(n.Default)
//	decided + anything → ErrDecided
package ivr

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
)

// ErrDecided is returned for input after the menu decided.
var ErrDecided = errors.New("ivr: menu already decided")

// State is where a caller is in the menu. The zero value has not started.
type State struct {
	Node    string   // current node
	Try     int      // plays of the current node's prompt so far (1 on the first)
	Keys    []string // keys that moved the caller on, in order
	Plays   int      // prompts played in all (bounded by MaxPlays)
	Decided bool
}

// MaxPlays bounds the prompts of one call: a menu whose defaults lead in a
// circle still ends, with everyone, after this many.
const MaxPlays = 30

// Step is what the lifecycle does next.
type Step struct {
	// Prompt, when not empty, is the node whose prompt plays now (its
	// guidance is api.MenuGuidance(Prompt)); then wait Timeout for a key.
	Prompt  string
	Timeout time.Duration
	// Invalid says this prompt repeats after a key that means nothing here.
	Invalid bool
	// Choice is set when the menu decided (Prompt is then empty).
	Choice *api.MenuChoice
}

// Start enters the menu at its root.
func Start(m *api.Menu) (State, Step, error) {
	n, ok := m.Node(m.Root)
	if !ok {
		return State{}, Step{}, fmt.Errorf("ivr: root %q missing", m.Root)
	}
	s := State{Node: n.ID, Try: 1, Plays: 1}
	return s, prompt(n, false), nil
}

// Press applies key k.
func Press(m *api.Menu, s State, k string) (State, Step, error) {
	if s.Decided {
		return s, Step{}, ErrDecided
	}
	n, ok := m.Node(s.Node)
	if !ok {
		return s, Step{}, fmt.Errorf("ivr: node %q missing", s.Node)
	}
	a, ok := n.Keys[k]
	if !ok {
		return retry(m, s, n, true)
	}
	s.Keys = append(s.Keys[:len(s.Keys):len(s.Keys)], k)
	if a.Kind == api.MenuGoto {
		next, ok := m.Node(a.Menu)
		if !ok {
			return s, Step{}, fmt.Errorf("ivr: node %q missing", a.Menu)
		}
		return enter(s, next)
	}
	return decide(s, n, a, "key")
}

// Timeout applies the end of a node's wait without a key.
func Timeout(m *api.Menu, s State) (State, Step, error) {
	if s.Decided {
		return s, Step{}, ErrDecided
	}
	n, ok := m.Node(s.Node)
	if !ok {
		return s, Step{}, fmt.Errorf("ivr: node %q missing", s.Node)
	}
	return retry(m, s, n, false)
}

func retry(m *api.Menu, s State, n api.MenuNode, invalid bool) (State, Step, error) {
	if s.Plays >= MaxPlays {
		return decide(s, n, api.MenuAction{Kind: api.MenuEveryone}, "limit")
	}
	if s.Try < tries(n) {
		s.Try++
		s.Plays++
		return s, prompt(n, invalid), nil
	}
	a := n.Default
	if a.Kind == api.MenuGoto { // a default that leads elsewhere starts that node afresh
		next, ok := m.Node(a.Menu)
		if !ok {
			return s, Step{}, fmt.Errorf("ivr: node %q missing", a.Menu)
		}
		return enter(s, next)
	}
	return decide(s, n, a, "default")
}

func enter(s State, n api.MenuNode) (State, Step, error) {
	if s.Plays >= MaxPlays {
		return decide(s, n, api.MenuAction{Kind: api.MenuEveryone}, "limit")
	}
	s.Node, s.Try = n.ID, 1
	s.Plays++
	return s, prompt(n, false), nil
}

func decide(s State, n api.MenuNode, a api.MenuAction, reason string) (State, Step, error) {
	if a.Kind == "" {
		a.Kind = api.MenuEveryone
	}
	s.Decided = true
	return s, Step{Choice: &api.MenuChoice{Path: Path(s.Keys), Action: a, Node: n.ID, Reason: reason}}, nil
}

func prompt(n api.MenuNode, invalid bool) Step {
	t := n.TimeoutS
	if t <= 0 {
		t = api.DefaultMenuTimeoutS
	}
	return Step{Prompt: n.ID, Timeout: time.Duration(t) * time.Second, Invalid: invalid}
}

func tries(n api.MenuNode) int {
	if n.Tries > 0 {
		return n.Tries
	}
	return api.DefaultMenuTries
}

// Path renders keys as recorded on a chat: "1/2".
func Path(keys []string) string { return strings.Join(keys, "/") }

// Walk plays a caller through m who presses keys in order and, if the menu
// has not decided when the keys run out, waits through the time-outs: the
// decision such a caller gets (for `meetd route simulate --menu-keys`) and
// how long they wait for it in prompt time-outs (prompt audio not counted).
// Keys after the decision are not used.
func Walk(m *api.Menu, keys []string) (api.MenuChoice, time.Duration, error) {
	s, step, err := Start(m)
	var waited time.Duration
	for _, k := range keys {
		if err != nil || step.Choice != nil {
			break
		}
		s, step, err = Press(m, s, k)
	}
	for err == nil && step.Choice == nil {
		waited += step.Timeout
		s, step, err = Timeout(m, s)
	}
	if err != nil {
		return api.MenuChoice{}, 0, err
	}
	return *step.Choice, waited, nil
}
