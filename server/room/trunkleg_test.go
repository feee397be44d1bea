package room

import "testing"

// TestTrunkLegsBridged: a second trunk leg in a room (an external
// transfer) and the caller hear each other; removed, it is heard no more.
func TestTrunkLegsBridged(t *testing.T) {
	checkGoroutines(t)
	m := newTestManager(t)
	if err := m.OpenRoom(1); err != nil {
		t.Fatal(err)
	}
	customer, target := newFakeCaller(440), newFakeCaller(1000)
	if err := m.SetCaller(1, customer); err != nil {
		t.Fatal(err)
	}
	if err := m.AddTrunkLeg(1, -1, target); err != nil {
		t.Fatal(err)
	}
	if err := m.AddTrunkLeg(1, -1, target); err != nil { // again: no-op
		t.Fatal(err)
	}
	expectTones(t, "customer", customer.rec, []float64{1000}, []float64{440})
	expectTones(t, "target", target.rec, []float64{440}, []float64{1000})
	m.RemoveTrunkLeg(1, -1)
	expectTones(t, "customer alone", customer.rec, nil, []float64{1000, 440})
	if err := m.AddTrunkLeg(2, -2, target); err == nil {
		t.Fatal("a leg for a room that does not exist")
	}
	m.CloseRoom(1)
}
