package mixer

import "fmt"

// Role says who hears a leg and whom it hears.
type Role uint8

const (
	RoleUnknown Role = iota
	// RoleTalk is an operator: hears everyone but itself (whispers included), heard by all.
	RoleTalk
	// RoleListen hears the call (not whispers), heard by nobody.
	RoleListen
	// RoleWhisper hears the call, heard only by the talk legs (never the caller).
	RoleWhisper
	// RoleBarge hears everyone but itself, heard by all.
	RoleBarge
	// RoleCaller is the customer: hears everyone but itself plus prompts, heard by all.
	RoleCaller
	// RolePrompt is guidance or hold audio: heard by the caller only, hears nothing.
	RolePrompt
)

var roleNames = [...]string{
	RoleUnknown: "unknown",
	RoleTalk:    "talk",
	RoleListen:  "listen",
	RoleWhisper: "whisper",
	RoleBarge:   "barge",
	RoleCaller:  "caller",
	RolePrompt:  "prompt",
}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// ParseRole is the inverse of Role.String.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if i != int(RoleUnknown) && n == s {
			return Role(i), nil
		}
	}
	return RoleUnknown, fmt.Errorf("mixer: unknown role %q", s)
}

// public reports whether everyone (but the leg itself) hears the leg.
func (r Role) public() bool { return r == RoleTalk || r == RoleBarge || r == RoleCaller }

// hearsPublic reports whether the leg hears the public mix.
func (r Role) hearsPublic() bool {
	return r == RoleTalk || r == RoleListen || r == RoleWhisper || r == RoleBarge || r == RoleCaller
}
