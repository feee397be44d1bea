package calls

import "github.com/meet-dev/meet/api"

// noTrunk stands in for a nil Trunk: meetd runs without SIP (inbox only);
// answering and dialling fail with unavailable.
type noTrunk struct{}

func (noTrunk) EarlyMedia(int64) error {
	return api.Errorf(api.CodeUnavailable, "no SIP trunk configured")
}
func (noTrunk) Answer(int64) error { return api.Errorf(api.CodeUnavailable, "no SIP trunk configured") }
func (noTrunk) Dial(int64, string, string) error {
	return api.Errorf(api.CodeUnavailable, "no SIP trunk configured")
}
func (noTrunk) Hangup(int64, string) {}

// noMedia stands in for a nil Media: no rooms, nobody's softphone is connected.
type noMedia struct{}

func (noMedia) OpenRoom(int64) error {
	return api.Errorf(api.CodeUnavailable, "no media side configured")
}
func (noMedia) CloseRoom(int64) {}
func (noMedia) PlayGuidance(_, _ int64, _ api.GuidanceKind, _ bool, done func()) {
	if done != nil {
		done()
	}
}
func (noMedia) StopGuidance(int64) {}
func (noMedia) Attach(int64, int64, api.JoinMode) error {
	return api.Errorf(api.CodeUnavailable, "no media side configured")
}
func (noMedia) Detach(int64, int64) {}
func (noMedia) Online(int64) bool   { return false }
func (noMedia) StartRecording(int64, Recording, func(RecordingResult)) error {
	return api.Errorf(api.CodeUnavailable, "no media side configured")
}
func (noMedia) StopRecording(int64) {}
func (noMedia) AddTrunkLeg(int64, int64) error {
	return api.Errorf(api.CodeUnavailable, "no media: trunk legs cannot be bridged")
}
func (noMedia) RemoveTrunkLeg(int64, int64) {}
