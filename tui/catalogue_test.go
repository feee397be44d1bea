package tui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/i18n"
	"github.com/meet-dev/meet/tui/common"
	"github.com/meet-dev/meet/tui/stats"
)

// Every message the screens pass through T has a Japanese translation:
// the literal formats in the source, and the words passed in at run time
// (states, modes, reasons, help texts, screen and tab names).
func TestJapaneseCatalogueIsComplete(t *testing.T) {
	ja := i18n.New(i18n.Japanese)
	lit := regexp.MustCompile(`\bT\("((?:[^"\\]|\\.)*)"`)
	var missing []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			key := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[1])
			if !ja.Has(key) {
				missing = append(missing, path+": "+key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var dynamic []string
	for s := ScreenInbox; s <= ScreenHelp; s++ {
		dynamic = append(dynamic, s.String())
	}
	for _, tab := range common.Tabs {
		dynamic = append(dynamic, tab.String())
	}
	for _, st := range []api.ChatState{api.ChatOpened, api.ChatSnoozed, api.ChatClosed} {
		dynamic = append(dynamic, string(st))
	}
	for _, md := range []api.JoinMode{api.ModeTalk, api.ModeListen, api.ModeWhisper, api.ModeBarge} {
		dynamic = append(dynamic, string(md))
	}
	for _, r := range []api.Role{api.RoleOperator, api.RoleSupervisor, api.RoleAdmin} {
		dynamic = append(dynamic, string(r))
	}
	for _, r := range api.MissedReasons {
		dynamic = append(dynamic, common.ReasonText(r), common.ReasonShort(r))
	}
	for _, g := range common.HelpGroups {
		dynamic = append(dynamic, g.Title)
		for _, a := range g.Actions {
			dynamic = append(dynamic, common.Descriptions[a])
		}
	}
	for _, iv := range stats.Intervals {
		dynamic = append(dynamic, iv.Name)
	}
	for _, r := range []api.IneligibleReason{api.IneligibleNotificationOff, api.IneligibleDND, api.IneligibleInCall, api.IneligibleAlreadyRinging,
		api.IneligibleOpenedPhoneChat, api.IneligibleSoftphoneOffline, api.IneligibleNotInTeam, api.IneligibleNotInChannel} {
		dynamic = append(dynamic, common.IneligibleText(r))
	}
	for _, key := range dynamic {
		if !ja.Has(key) {
			missing = append(missing, "run time: "+key)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d messages have no Japanese; add each to internal/i18n/ja.go (English key: Japanese):\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
