package tui

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/ring"
)

// TestTransferKeys: T in a call opens the target picker (staff and the
// call's channel's teams, tab cycles); enter transfers blind to the pick;
// K consults a typed team instead; while consulting, T completes and K
// cancels.
func TestTransferKeys(t *testing.T) {
	f := newFake()
	seed(f)
	addRinging(f, 50, 20, "+819011112222")
	h := newHarness(t, f)
	h.keys("T")
	require.Contains(t, h.m.flash, "transfer works during a call")
	h.send(ringEvent(50, 20, 1))
	h.keys("a")
	h.keys("T")
	require.NotNil(t, h.m.prompt)
	v := h.m.View()
	require.Contains(t, v, "transfer to")
	require.Contains(t, v, "staff Bob")
	h.keys("tab")
	require.Contains(t, h.m.View(), "team sales")
	require.NotContains(t, h.m.View(), "elsewhere")
	h.keys("shift+tab", "enter")
	require.True(t, f.calledWith("transfer 50 blind staff:2"), "log %v", f.log)

	f.calls[50].State = api.CallActive
	h.m.call.call.State = api.CallActive
	h.keys("K")
	require.Contains(t, h.m.View(), "consult, then transfer")
	h.typeText("sales")
	h.keys("enter")
	require.True(t, f.calledWith("transfer 50 attended team:7"), "log %v", f.log)
	require.Contains(t, h.m.flash, "consulting team sales")

	h.m.call.call.State = api.CallConsulting
	h.keys("K")
	require.True(t, f.calledWith("cancel 50"), "log %v", f.log)
	h.m.call.call.State = api.CallConsulting
	h.keys("T")
	require.True(t, f.calledWith("complete 50"), "log %v", f.log)

	// A consult ringing for us says who asks.
	bob := int64(2)
	v = ring.View(h.m.ctx, ring.Offer{Call: api.Call{ID: 51, State: api.CallConsulting, AssigneeID: &bob}, Customer: api.Customer{Number: "+8190"}})
	require.Contains(t, v, "Bob wants to pass you a caller (consult)")

	h.m.call.call.State = api.CallActive
	h.keys("T")
	h.typeText("+81 3 1234 5678")
	h.keys("enter")
	require.True(t, f.calledWith("transfer 50 blind number:+81312345678"), "log %v", f.log)
}
