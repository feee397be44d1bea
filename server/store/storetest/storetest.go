// Package storetest is the test suite every store.DB implementation passes:
// server/store/sqlite and server/store/postgres run it from their tests
// with a Harness that opens their store.
//
//	func TestStore(t *testing.T) { storetest.Run(t, storetest.Harness{Open: …}) }
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Options are what the suite sets on a store it opens.
type Options struct {
	OnCommit func([]api.Event) // nil: none
	Now      func() time.Time  // nil: time.Now
}

// Harness opens stores of one implementation.
type Harness struct {
	// Open returns a store over a new, empty database, closed when the test ends.
	Open func(t *testing.T, o Options) store.DB
	// Reopen returns a second handle on st's database, as another process
	// (meetd admin, another node) would open it; closed when the test ends.
	Reopen func(t *testing.T, st store.DB, o Options) store.DB
	// DeleteChat deletes a chat row directly (nothing in meetd deletes chats).
	DeleteChat func(st store.DB, chatID int64) error
	// CountsDrift counts the (channel, medium, state, missed, reason,
	// assignee) groups where the kept chat_counts table disagrees with the
	// chats; 0 when they agree.
	CountsDrift func(st store.DB) (int, error)
}

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"EntitiesRoundTrip", testEntitiesRoundTrip},
		{"ErrorsCarryCodes", testErrorsCarryCodes},
		{"OnCommitOrderAndRollback", testOnCommitOrderAndRollback},
		{"EventsOfOtherProcessesAreHandedInOrder", testEventsOfOtherProcesses},
		{"EventIDsAreInCommitOrder", testEventIDsInCommitOrder},
		{"SearchFiltersAndPaging", testSearchFiltersAndPaging},
		{"SearchTextCases", testSearchTextCases},
		{"SearchCommonText", testSearchCommonText},
		{"SnoozesAndOpenedPhoneChats", testSnoozesAndOpenedPhoneChats},
		{"BatchReadsMatchPerMember", testBatchReadsMatchPerMember},
		{"CloseMissedChat", testCloseMissedChat},
		{"ListCallsPagesNewestFirst", testListCallsPagesNewestFirst},
		{"ChatCountsMatchChats", testChatCountsMatchChats},
		{"TokensAndTexts", testTokensAndTexts},
		{"HostileText", testHostileText},
		{"Reports", testReports},
		{"AutomationCursorAndOutbox", testAutomationCursorAndOutbox},
		{"MenuAndMenuPath", testMenuAndMenuPath},
		{"Heartbeats", testHeartbeats},
		{"VoicemailAndRecordings", testVoicemailAndRecordings},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

type fixture struct {
	channel api.Channel
	team    api.Team
	staff   api.Staff
	chat    api.Chat
}

func seed(t *testing.T, db store.Store) fixture {
	t.Helper()
	var f fixture
	err := db.Update(context.Background(), func(tx store.Tx) error {
		f.channel = api.Channel{Name: "support", Timezone: "Europe/Berlin", Numbers: []string{"+4930123"}, RingTimeoutS: 20}
		if err := tx.CreateChannel(&f.channel); err != nil {
			return err
		}
		f.team = api.Team{ChannelID: f.channel.ID, Name: "first line", AutoAssign: true}
		if err := tx.CreateTeam(&f.team); err != nil {
			return err
		}
		f.staff = api.Staff{Email: "ann@example.com", Name: "Ann", Role: api.RoleOperator,
			Channels: []int64{f.channel.ID}, Teams: []int64{f.team.ID}}
		if err := tx.CreateStaff(&f.staff, "hash"); err != nil {
			return err
		}
		f.chat = api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: "+4917000", Name: "Bob Müller"}}
		if err := tx.CreateChat(&f.chat); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvChatCreated, ChannelID: f.channel.ID, ChatID: f.chat.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func contains(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
