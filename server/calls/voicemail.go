package calls

import "github.com/meet-dev/meet/api"

// voicemail takes a message from the caller of c instead of ending it
// missed with reason, when the channel takes voicemail. It reports whether
// it did; voicemail is not set up on any channel yet, so it never does.
func (m *Manager) voicemail(r *rec, c *call, reason api.MissedReason, detail string) bool {
	return false
}
