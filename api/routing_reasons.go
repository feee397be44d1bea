package api

// IneligibleDeclined: the member declined this very call, so it does not ring
// them again (added by the routing engine; see server/routing).
const IneligibleDeclined IneligibleReason = "declined"

// IneligibleReasons lists every reason a staff member is not rung, in the
// order the routing engine checks them (the first that holds is reported).
var IneligibleReasons = []IneligibleReason{
	IneligibleNotInChannel, IneligibleNotInTeam, IneligibleNotificationOff, IneligibleDND,
	IneligibleSoftphoneOffline, IneligibleInCall, IneligibleAlreadyRinging,
	IneligibleOpenedPhoneChat, IneligibleDeclined,
}
