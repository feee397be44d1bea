package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meet-dev/meet/api"
)

const callCols = `id, chat_id, channel_id, direction, from_number, to_number, state, assignee_id, created,
	first_waiting_started, first_ring_started, answered, ended, duration_s, missed_reason, end_detail, node, held_s, held_since, transfers`

func scanCall(sc pgx.Row) (api.Call, error) {
	var c api.Call
	var dir, state, reason string
	var waiting, ring, answered, ended, heldSince *int64
	var created int64
	err := sc.Scan(&c.ID, &c.ChatID, &c.ChannelID, &dir, &c.From, &c.To, &state, &c.AssigneeID, &created,
		&waiting, &ring, &answered, &ended, &c.DurationS, &reason, &c.EndDetail, &c.Node, &c.HeldS, &heldSince, &c.Transfers)
	if err != nil {
		return c, err
	}
	c.Direction, c.State, c.MissedReason = api.Direction(dir), api.CallState(state), api.MissedReason(reason)
	c.Created = fromNS(created)
	c.FirstWaitingStarted, c.FirstRingStarted, c.Answered, c.Ended = fromNull(waiting), fromNull(ring), fromNull(answered), fromNull(ended)
	c.HeldSince = fromNull(heldSince)
	c.Participants, c.RingAttempts = []api.Participant{}, []api.RingAttempt{}
	return c, nil
}

func (t *tx) CreateCall(c *api.Call) error {
	if c.Created.IsZero() {
		c.Created = t.Now
	}
	var err error
	c.ID, err = t.insertID(`INSERT INTO calls(chat_id, channel_id, direction, from_number, to_number, state, assignee_id,
		created, first_waiting_started, first_ring_started, answered, ended, duration_s, missed_reason, end_detail, node)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.ChatID, c.ChannelID, string(c.Direction), c.From, c.To, string(c.State), nullID(c.AssigneeID), ns(c.Created),
		nsPtr(c.FirstWaitingStarted), nsPtr(c.FirstRingStarted), nsPtr(c.Answered), nsPtr(c.Ended), c.DurationS,
		string(c.MissedReason), c.EndDetail, c.Node)
	if err != nil {
		return err
	}
	for _, p := range c.Participants {
		if err := t.AddParticipant(c.ID, p); err != nil {
			return err
		}
	}
	for _, r := range c.RingAttempts {
		if err := t.AddRingAttempt(c.ID, r); err != nil {
			return err
		}
	}
	if c.Participants == nil {
		c.Participants = []api.Participant{}
	}
	if c.RingAttempts == nil {
		c.RingAttempts = []api.RingAttempt{}
	}
	return nil
}

func (t *tx) UpdateCall(c *api.Call) error {
	return t.update("call", c.ID, `UPDATE calls SET state=?, assignee_id=?, first_waiting_started=?, first_ring_started=?,
		answered=?, ended=?, duration_s=?, missed_reason=?, end_detail=?, held_s=?, held_since=?, transfers=? WHERE id=?`,
		string(c.State), nullID(c.AssigneeID), nsPtr(c.FirstWaitingStarted), nsPtr(c.FirstRingStarted),
		nsPtr(c.Answered), nsPtr(c.Ended), c.DurationS, string(c.MissedReason), c.EndDetail, c.HeldS, nsPtr(c.HeldSince), c.Transfers, c.ID)
}

func (t *tx) Call(id int64) (api.Call, error) {
	cs, err := t.loadCalls(`id=?`, id)
	if err != nil {
		return api.Call{}, err
	}
	if len(cs) == 0 {
		return api.Call{}, notFound("call", id)
	}
	return cs[0], nil
}

func (t *tx) LiveCalls(channelID int64) ([]api.Call, error) {
	if channelID == 0 {
		return t.loadCalls(`state <> 'ended'`)
	}
	return t.loadCalls(`state <> 'ended' AND channel_id=?`, channelID)
}

func (t *tx) ChatCalls(chatID int64) ([]api.Call, error) { return t.loadCalls(`chat_id=?`, chatID) }

// loadCalls reads the calls matching where, oldest first, with their
// participants and ring attempts (three queries whatever their number).
func (t *tx) loadCalls(where string, args ...any) ([]api.Call, error) {
	rows, err := t.query(`SELECT `+callCols+` FROM calls WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	out := []api.Call{}
	at := map[int64]int{}
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		at[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	rows, err = t.query(`SELECT call_id, staff_id, mode, joined, left_at, muted FROM call_participants
		WHERE call_id = ANY(?) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p api.Participant
		var callID, joined int64
		var mode string
		var left *int64
		if err := rows.Scan(&callID, &p.StaffID, &mode, &joined, &left, &p.Muted); err != nil {
			rows.Close()
			return nil, err
		}
		p.Mode, p.Joined, p.Left = api.JoinMode(mode), fromNS(joined), fromNull(left)
		c := &out[at[callID]]
		c.Participants = append(c.Participants, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = t.query(`SELECT call_id, staff_id, started, ended, outcome FROM ring_attempts WHERE call_id = ANY(?) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r api.RingAttempt
		var callID, started int64
		var ended *int64
		var outcome string
		if err := rows.Scan(&callID, &r.StaffID, &started, &ended, &outcome); err != nil {
			return nil, err
		}
		r.Started, r.Ended, r.Outcome = fromNS(started), fromNull(ended), api.RingOutcome(outcome)
		c := &out[at[callID]]
		c.RingAttempts = append(c.RingAttempts, r)
	}
	return out, rows.Err()
}

func (t *tx) AddRingAttempt(callID int64, r api.RingAttempt) error {
	if r.Started.IsZero() {
		r.Started = t.Now
	}
	_, err := t.exec(`INSERT INTO ring_attempts(call_id, staff_id, started, ended, outcome) VALUES (?,?,?,?,?)`,
		callID, r.StaffID, ns(r.Started), nsPtr(r.Ended), string(r.Outcome))
	return err
}

func (t *tx) EndRingAttempt(callID, staffID int64, at time.Time, outcome api.RingOutcome) error {
	return t.update("open ring attempt of staff", staffID, `UPDATE ring_attempts SET ended=?, outcome=?
		WHERE id=(SELECT max(id) FROM ring_attempts WHERE call_id=? AND staff_id=? AND ended IS NULL)`,
		ns(at), string(outcome), callID, staffID)
}

func (t *tx) AddParticipant(callID int64, p api.Participant) error {
	if p.Joined.IsZero() {
		p.Joined = t.Now
	}
	_, err := t.exec(`INSERT INTO call_participants(call_id, staff_id, mode, joined, left_at, muted) VALUES (?,?,?,?,?,?)`,
		callID, p.StaffID, string(p.Mode), ns(p.Joined), nsPtr(p.Left), p.Muted)
	return err
}

func (t *tx) EndParticipant(callID, staffID int64, at time.Time) error {
	return t.update("participant in call of staff", staffID, `UPDATE call_participants SET left_at=?
		WHERE id=(SELECT max(id) FROM call_participants WHERE call_id=? AND staff_id=? AND left_at IS NULL)`,
		ns(at), callID, staffID)
}

// CloseMissedChat closes chat chatID as missed with reason at at in one
// statement: UpdateChat of the stored chat with state closed, no snooze,
// missed, reason and closed set (not_found when there is no such chat).
func (t *tx) CloseMissedChat(chatID int64, reason api.MissedReason, at time.Time) error {
	return t.update("chat", chatID, `UPDATE chats SET state=?, snoozed_until=NULL, missed=true, missed_reason=?, closed=?,
		updated=? WHERE id=?`, string(api.ChatClosed), string(reason), ns(at), ns(t.Now), chatID)
}
