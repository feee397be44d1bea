package common

import (
	"fmt"
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// Action is something a key does. Key bindings map key names (as bubbletea
// spells them: "a", "ctrl+c", "shift+tab", "enter") to actions.
type Action string

// Every action the TUI knows. The names are the keys of the `keys` map in
// the configuration file.
const (
	ActNone Action = ""
	// calls
	ActAnswer   Action = "answer"
	ActDecline  Action = "decline"
	ActHangup   Action = "hangup"
	ActLeave    Action = "leave"
	ActMute     Action = "mute"
	ActDenoise  Action = "denoise"
	ActDial     Action = "dial"
	ActCallback Action = "callback"
	ActInvite   Action = "invite"
	// supervisors
	ActJoin    Action = "join"
	ActListen  Action = "listen"
	ActWhisper Action = "whisper"
	ActBarge   Action = "barge"
	// chats
	ActSnooze   Action = "snooze"
	ActClose    Action = "close"
	ActReopen   Action = "reopen"
	ActTag      Action = "tag"
	ActMemo     Action = "memo"
	ActMessage  Action = "message"
	ActAssign   Action = "assign"
	ActLinkBack Action = "link_back"
	ActLinkNext Action = "link_next"
	ActUndo     Action = "undo"
	// navigation
	ActUp       Action = "up"
	ActDown     Action = "down"
	ActPageUp   Action = "page_up"
	ActPageDown Action = "page_down"
	ActTop      Action = "top"
	ActBottom   Action = "bottom"
	ActOpen     Action = "open"
	ActBack     Action = "back"
	ActNextTab  Action = "next_tab"
	ActPrevTab  Action = "prev_tab"
	ActTab1     Action = "tab_opened"
	ActTab2     Action = "tab_snoozed"
	ActTab3     Action = "tab_closed"
	ActTab4     Action = "tab_missed"
	ActSearch   Action = "search"
	ActFilter   Action = "filter"
	ActClear    Action = "clear_filter"
	ActRefresh  Action = "refresh"
	// screens and app
	ActBoard    Action = "board"
	ActStats    Action = "stats"
	ActSettings Action = "settings"
	ActDND      Action = "dnd"
	ActHelp     Action = "help"
	ActQuit     Action = "quit"
)

// Call-centre actions (voicemail playback, hold).
const (
	ActPlay     Action = "play"      // play / pause the chat's voicemail in the speaker
	ActSeekBack Action = "seek_back" // 5 s back
	ActSeekFwd  Action = "seek_fwd"  // 5 s forward
	ActStopPlay Action = "stop_play"
	ActHold     Action = "hold" // hold / resume the call we are in
	// ActTransfer: blind transfer of the call we are in (a target picker);
	// while consulting, complete the transfer.
	ActTransfer Action = "transfer"
	// ActConsult: attended transfer (consult the target first); while
	// consulting, cancel and take the caller back.
	ActConsult Action = "consult"
)

// KeyGroup is a titled group of actions for the help screen.
type KeyGroup struct {
	Title   string
	Actions []Action
}

// HelpGroups orders the actions on the help screen.
var HelpGroups = []KeyGroup{
	{"Calls", []Action{ActAnswer, ActDecline, ActHangup, ActLeave, ActMute, ActHold, ActTransfer, ActConsult, ActDenoise, ActDial, ActCallback, ActInvite}},
	{"Supervisor", []Action{ActJoin, ActListen, ActWhisper, ActBarge}},
	{"Chat", []Action{ActSnooze, ActClose, ActReopen, ActTag, ActMemo, ActMessage, ActAssign, ActLinkBack, ActLinkNext, ActUndo}},
	{"Inbox", []Action{ActUp, ActDown, ActPageUp, ActPageDown, ActTop, ActBottom, ActOpen, ActBack,
		ActNextTab, ActPrevTab, ActTab1, ActTab2, ActTab3, ActTab4, ActSearch, ActFilter, ActClear, ActRefresh}},
	{"App", []Action{ActBoard, ActStats, ActSettings, ActDND, ActHelp, ActQuit}},
	{"Voicemail", []Action{ActPlay, ActSeekBack, ActSeekFwd, ActStopPlay}},
}

// Descriptions are the help texts of the actions.
var Descriptions = map[Action]string{
	ActAnswer: "answer / accept invitation", ActDecline: "decline ringing call",
	ActHangup: "hang up (ends the call)", ActLeave: "leave call, others stay",
	ActMute: "mute / unmute microphone", ActDenoise: "noise suppression on / off",
	ActDial: "call a number", ActCallback: "call back the customer",
	ActInvite: "invite staff into the call",
	ActJoin:   "join selected call (talk)", ActListen: "listen in (muted)",
	ActWhisper: "whisper to the operator", ActBarge: "barge in (heard by all)",
	ActSnooze: "snooze (30m, 2h, tomorrow)", ActClose: "close chat", ActReopen: "reopen chat",
	ActTag: "add tag (-tag removes)", ActMemo: "write a memo", ActMessage: "internal message to staff",
	ActAssign: "assign (me, name, none)", ActLinkBack: "go to the called-back chat",
	ActLinkNext: "go to the callback chat", ActUndo: "undo the last close or snooze",
	ActUp: "up", ActDown: "down", ActPageUp: "page up", ActPageDown: "page down",
	ActTop: "first", ActBottom: "last", ActOpen: "open", ActBack: "back / close overlay",
	ActNextTab: "next tab", ActPrevTab: "previous tab", ActTab1: "opened tab", ActTab2: "snoozed tab",
	ActTab3: "closed tab", ActTab4: "missed tab", ActSearch: "search text",
	ActFilter: "filter (reason: tag: from:…)", ActClear: "clear filters",
	ActRefresh: "reload", ActBoard: "live calls board", ActStats: "statistics", ActSettings: "settings",
	ActDND: "do not disturb on / off", ActHelp: "this help", ActQuit: "quit (asks during a call)",
	ActPlay: "play / pause the voicemail", ActSeekBack: "voicemail 5 s back", ActSeekFwd: "voicemail 5 s forward",
	ActStopPlay: "stop the voicemail", ActHold: "hold / resume (caller hears hold music)",
	ActTransfer: "transfer / finish consult", ActConsult: "consult first / cancel it",
}

// DefaultBindings is the default key map.
func DefaultBindings() map[Action][]string {
	return map[Action][]string{
		ActAnswer: {"a"}, ActDecline: {"x"}, ActHangup: {"h"}, ActLeave: {"L"}, ActMute: {"m"},
		ActDenoise: {"z"}, ActDial: {"C"}, ActCallback: {"b"}, ActInvite: {"I"},
		ActJoin: {"J"}, ActListen: {"l"}, ActWhisper: {"W"}, ActBarge: {"B"},
		ActSnooze: {"s"}, ActClose: {"c"}, ActReopen: {"o"}, ActTag: {"t"}, ActMemo: {"n"},
		ActMessage: {"i"}, ActAssign: {"A"}, ActLinkBack: {"["}, ActLinkNext: {"]"}, ActUndo: {"u"},
		ActUp: {"up", "k"}, ActDown: {"down", "j"}, ActPageUp: {"pgup", "ctrl+u"},
		ActPageDown: {"pgdown", "ctrl+d"}, ActTop: {"home", "g"}, ActBottom: {"end", "G"},
		ActOpen: {"enter"}, ActBack: {"esc"}, ActNextTab: {"tab"}, ActPrevTab: {"shift+tab"},
		ActTab1: {"1"}, ActTab2: {"2"}, ActTab3: {"3"}, ActTab4: {"4"},
		ActSearch: {"/"}, ActFilter: {"f"}, ActClear: {"F"}, ActRefresh: {"ctrl+r"},
		ActBoard: {"v"}, ActStats: {"S"}, ActSettings: {","}, ActDND: {"D"},
		ActHelp: {"?"}, ActQuit: {"q", "ctrl+c"},
		ActPlay: {"p"}, ActSeekBack: {"<"}, ActSeekFwd: {">"}, ActStopPlay: {"P"}, ActHold: {"H"},
		ActTransfer: {"T"}, ActConsult: {"K"},
	}
}

// Keys resolves key presses to actions.
type Keys struct {
	bindings map[Action][]string
	byKey    map[string]Action
}

// NewKeys builds the key map from the defaults with overrides applied.
// An override replaces all keys of its action. Unknown action names, empty
// keys and one key bound to two actions are errors.
func NewKeys(overrides map[string][]string) (*Keys, error) {
	b := DefaultBindings()
	for name, keys := range overrides {
		a := Action(name)
		if _, ok := b[a]; !ok {
			return nil, fmt.Errorf("key bindings: unknown action %q (see `?` in meet for the list)", name)
		}
		var clean []string
		for _, k := range keys {
			if k = strings.TrimSpace(k); k != "" {
				clean = append(clean, k)
			}
		}
		if len(clean) == 0 {
			return nil, fmt.Errorf("key bindings: action %q has no keys", name)
		}
		b[a] = clean
	}
	k := &Keys{bindings: b, byKey: map[string]Action{}}
	actions := make([]string, 0, len(b))
	for a := range b {
		actions = append(actions, string(a))
	}
	sort.Strings(actions)
	for _, name := range actions {
		for _, key := range b[Action(name)] {
			if prev, dup := k.byKey[key]; dup {
				return nil, fmt.Errorf("key bindings: %q is bound to both %q and %q", key, prev, name)
			}
			k.byKey[key] = Action(name)
		}
	}
	return k, nil
}

// MustDefaultKeys returns the default key map.
func MustDefaultKeys() *Keys {
	k, err := NewKeys(nil)
	if err != nil {
		panic(err) // the defaults are a constant; a clash is a programming error caught by tests
	}
	return k
}

// Action returns the action bound to a key message.
func (k *Keys) Action(msg tea.KeyMsg) Action { return k.byKey[msg.String()] }

// Keys returns the keys bound to an action.
func (k *Keys) Keys(a Action) []string { return k.bindings[a] }

// Label is the keys of an action joined for display, e.g. "k/up".
func (k *Keys) Label(a Action) string {
	ks := k.bindings[a]
	out := make([]string, len(ks))
	for i, s := range ks {
		if s == " " {
			s = "space"
		}
		out[i] = s
	}
	return strings.Join(out, "/")
}

// First is the first key of an action, for short hints.
func (k *Keys) First(a Action) string {
	if ks := k.bindings[a]; len(ks) > 0 {
		return ks[0]
	}
	return ""
}
