package room

import "testing"

// Each direction of a staff leg and of the two-party fast path, as wired
// for the operator's codec and what the operator hears.
func TestPipelines(t *testing.T) {
	for _, tc := range []struct {
		name            string
		send, last      codecKind
		narrow          bool
		receive, sendTo string
	}{
		{"opus, full mix", codecOpus, codecOpus, false,
			"Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)", "Mixer(48000) -> Opus(48000, encode) -> Track"},
		{"opus, hears only the caller", codecOpus, codecOpus, true,
			"Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)",
			"Mixer(48000) -> Resample(48000->8000) -> Opus(8000, encode) -> Track"},
		{"pcmu", codecPCMU, codecPCMU, true,
			"Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)",
			"Mixer(48000) -> Resample(48000->8000) -> PCMU(encode) -> Track"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &staffLeg{cur: &peer{send: tc.send, lastCodec: tc.last}}
			s.narrow.Store(tc.narrow)
			want := "receive: " + tc.receive + "; send: " + tc.sendTo
			if got := s.String(); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	to, back := pairPipelines(codecOpus)
	if to != "Trunk(8000) -> Band(8000) -> Opus(8000, encode) -> Track" ||
		back != "Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)" {
		t.Errorf("fast path: %s | %s", to, back)
	}
	if (&staffLeg{}).String() != "no peer" {
		t.Error("a leg without a peer")
	}
}
