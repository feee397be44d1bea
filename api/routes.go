package api

// Routes of meetd, all JSON, bearer token from POST /v1/login unless marked public.
// These names are a contract (scripts and checks use them); add, never rename.
//
//	POST   /v1/login                      public; LoginRequest → LoginResponse
//	POST   /v1/logout                     revokes the presented token
//	GET    /v1/me                         → Staff
//	GET    /v1/me/settings                → Settings
//	PUT    /v1/me/settings                Settings → Settings
//	GET    /v1/staff                      → []Staff (of the caller's channels)
//	GET    /v1/staff/{id}/eligibility     → StaffEligibility ("why didn't I ring?")
//	GET    /v1/channels                   → []Channel (the caller's)
//	GET    /v1/chats?medium&state&missed&reason&tag&assignee&from&to&q&channel&cursor&limit → ChatList
//	GET    /v1/chats/counts?…same filters → ChatCounts (exact tab sizes)
//	GET    /v1/chats/{id}                 → Chat
//	PATCH  /v1/chats/{id}                 ChatPatch → Chat (opened/snoozed/closed, assignee, team)
//	GET    /v1/chats/{id}/events          → []Event (the timeline)
//	GET    /v1/chats/{id}/calls           → []Call
//	POST   /v1/chats/{id}/tags            TagBody → Chat
//	DELETE /v1/chats/{id}/tags/{tag}      → Chat
//	POST   /v1/chats/{id}/followers       InviteRequest{staff_id} → Chat
//	GET    /v1/chats/{id}/memos           → []Memo;     POST TextBody → Memo
//	GET    /v1/chats/{id}/messages        → []Message;  POST TextBody → Message
//	POST   /v1/chats/{id}/callback        → CallbackResult (new linked chat + outbound call)
//	GET    /v1/customers/{id}             → Customer;   PATCH Customer → Customer
//	GET    /v1/calls?live=true&channel    → []Call (live calls)
//	GET    /v1/calls?live=false&channel&from&to&cursor&limit → CallList (history, newest first)
//	POST   /v1/calls                      DialRequest → CallbackResult (outbound call)
//	GET    /v1/calls/{id}                 → Call
//	POST   /v1/calls/{id}/accept          → JoinResult (answer a ringing call)
//	POST   /v1/calls/{id}/decline         → 204
//	POST   /v1/calls/{id}/join            JoinRequest → JoinResult
//	POST   /v1/calls/{id}/invite          InviteRequest → 204
//	POST   /v1/calls/{id}/leave           → 204
//	POST   /v1/calls/{id}/hangup          → 204 (ends the call for everyone)
//	GET    /v1/calls/{id}/eligibility     → Eligibility
//	GET    /v1/stats?from&to&interval&channel&team&sl&menu_path → Stats (by_menu_path: per IVR path)
//	GET    /v1/exports/calls.csv?from&to&reason&channel&menu_path&purpose   privileged, audited
//	GET    /v1/exports/calls.jsonl?…      same, JSON lines
//	GET    /v1/exports/audit              → []AuditEntry (read-only)
//	GET    /v1/ws?since=ID                WebSocket: events + WebRTC signalling (WSMessage)
//	GET    /healthz                       public
//	POST   /v1/ws/ticket                  → WSTicket: single-use 30 s credential for /v1/ws?ticket=
//	GET    /metrics                       Prometheus, on the --metrics listener only (loopback by default)
//
// Admin routes (role admin):
//
//	POST   /v1/admin/channels             Channel → Channel
//	PATCH  /v1/admin/channels/{id}        Channel fields → Channel
//	POST   /v1/admin/channels/{id}/numbers   {"number"} → Channel
//	PUT    /v1/admin/channels/{id}/hours     Hours → Channel
//	POST   /v1/admin/channels/{id}/guidance/{kind}  body: WAV file → 204
//	GET    /v1/admin/channels/{id}/automations → []Automation; PUT []Automation
//	POST   /v1/admin/teams                Team → Team
//	POST   /v1/admin/teams/{id}/members   {"staff_id"} → Team
//	POST   /v1/admin/staff                AdminStaffRequest → Staff
//	GET    /v1/admin/sms?chat             → []SMS (no chat: the whole outbox, admins)
//	GET    /v1/admin/channels|teams|staff → lists
//	PUT    /v1/admin/channels/{id}/automations  []Automation → []Automation
const RoutesDoc = "see the package comment of routes.go"

// AdminStaffRequest creates a staff account.
type AdminStaffRequest struct {
	Email    string  `json:"email"`
	Name     string  `json:"name"`
	Password string  `json:"password"`
	Role     Role    `json:"role"`
	Channels []int64 `json:"channels"`
	Teams    []int64 `json:"teams"`
}

// NumberBody is the body of POST /v1/admin/channels/{id}/numbers.
type NumberBody struct {
	Number string `json:"number"`
}

// MemberBody is the body of POST /v1/admin/teams/{id}/members.
type MemberBody struct {
	StaffID int64 `json:"staff_id"`
}
