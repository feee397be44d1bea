package sqlstore

import (
	"time"

	"github.com/meet-dev/meet/api"
)

const callCols = `id, chat_id, channel_id, direction, from_number, to_number, state, assignee_id, created,
	first_waiting_started, first_ring_started, answered, ended, duration_s, missed_reason, end_detail, node, held_s, held_since, transfers`

func scanCall(sc Row) (api.Call, error) {
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
	c.Created = FromNS(created)
	c.FirstWaitingStarted, c.FirstRingStarted, c.Answered, c.Ended = FromNull(waiting), FromNull(ring), FromNull(answered), FromNull(ended)
	c.HeldSince = FromNull(heldSince)
	c.Participants, c.RingAttempts = []api.Participant{}, []api.RingAttempt{}
	return c, nil
}

func (t *Tx) CreateCall(c *api.Call) error {
	if c.Created.IsZero() {
		c.Created = t.Now
	}
	var err error
	c.ID, err = t.Conn.Insert(`INSERT INTO calls(chat_id, channel_id, direction, from_number, to_number, state, assignee_id,
		created, first_waiting_started, first_ring_started, answered, ended, duration_s, missed_reason, end_detail, node)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.ChatID, c.ChannelID, string(c.Direction), c.From, c.To, string(c.State), NullID(c.AssigneeID), NS(c.Created),
		NSPtr(c.FirstWaitingStarted), NSPtr(c.FirstRingStarted), NSPtr(c.Answered), NSPtr(c.Ended), c.DurationS,
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

func (t *Tx) UpdateCall(c *api.Call) error {
	return t.UpdateOne("call", c.ID, `UPDATE calls SET state=?, assignee_id=?, first_waiting_started=?, first_ring_started=?,
		answered=?, ended=?, duration_s=?, missed_reason=?, end_detail=?, held_s=?, held_since=?, transfers=? WHERE id=?`,
		string(c.State), NullID(c.AssigneeID), NSPtr(c.FirstWaitingStarted), NSPtr(c.FirstRingStarted),
		NSPtr(c.Answered), NSPtr(c.Ended), c.DurationS, string(c.MissedReason), c.EndDetail, c.HeldS, NSPtr(c.HeldSince), c.Transfers, c.ID)
}

func (t *Tx) Call(id int64) (api.Call, error) {
	cs, err := t.LoadCalls(`id=?`, id)
	if err != nil {
		return api.Call{}, err
	}
	if len(cs) == 0 {
		return api.Call{}, NotFound("call", id)
	}
	return cs[0], nil
}

func (t *Tx) LiveCalls(channelID int64) ([]api.Call, error) {
	if channelID == 0 {
		return t.LoadCalls(`state <> 'ended'`)
	}
	return t.LoadCalls(`state <> 'ended' AND channel_id=?`, channelID)
}

func (t *Tx) ChatCalls(chatID int64) ([]api.Call, error) { return t.LoadCalls(`chat_id=?`, chatID) }

// LoadCalls reads the calls matching where, oldest first, with their
// participants and ring attempts (read as the dialect's FillCalls says).
func (t *Tx) LoadCalls(where string, args ...any) ([]api.Call, error) {
	rows, err := t.Conn.Query(`SELECT `+callCols+` FROM calls WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	out := []api.Call{}
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	return out, t.D.FillCalls(t, out)
}

// FillCallsEach reads the participants and ring attempts of one call at a
// time: two short statements per call that stay prepared.
func FillCallsEach(t *Tx, calls []api.Call) error {
	for i := range calls {
		if err := t.fillCalls(calls[i:i+1], `call_id=?`, calls[i].ID); err != nil {
			return err
		}
	}
	return nil
}

// FillCallsAtOnce reads the participants and ring attempts of all calls in
// two queries, whatever their number.
func FillCallsAtOnce(t *Tx, calls []api.Call) error {
	ids := make([]int64, len(calls))
	for i, c := range calls {
		ids[i] = c.ID
	}
	in, args := t.D.In(ids)
	return t.fillCalls(calls, `call_id`+in, args...)
}

// fillCalls appends the participants and ring attempts matching where to
// calls.
func (t *Tx) fillCalls(calls []api.Call, where string, args ...any) error {
	var at map[int64]int // index of a call by id, when there are several
	if len(calls) > 1 {
		at = make(map[int64]int, len(calls))
		for i, c := range calls {
			at[c.ID] = i
		}
	}
	rows, err := t.Conn.Query(`SELECT call_id, staff_id, mode, joined, left_at, muted FROM call_participants
		WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p api.Participant
		var callID, joined int64
		var mode string
		var left *int64
		if err := rows.Scan(&callID, &p.StaffID, &mode, &joined, &left, &p.Muted); err != nil {
			rows.Close()
			return err
		}
		p.Mode, p.Joined, p.Left = api.JoinMode(mode), FromNS(joined), FromNull(left)
		c := &calls[at[callID]] // at[x] is 0 when nil
		c.Participants = append(c.Participants, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = t.Conn.Query(`SELECT call_id, staff_id, started, ended, outcome FROM ring_attempts WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r api.RingAttempt
		var callID, started int64
		var ended *int64
		var outcome string
		if err := rows.Scan(&callID, &r.StaffID, &started, &ended, &outcome); err != nil {
			return err
		}
		r.Started, r.Ended, r.Outcome = FromNS(started), FromNull(ended), api.RingOutcome(outcome)
		c := &calls[at[callID]] // at[x] is 0 when nil
		c.RingAttempts = append(c.RingAttempts, r)
	}
	return rows.Err()
}

func (t *Tx) AddRingAttempt(callID int64, r api.RingAttempt) error {
	if r.Started.IsZero() {
		r.Started = t.Now
	}
	_, err := t.Conn.Exec(`INSERT INTO ring_attempts(call_id, staff_id, started, ended, outcome) VALUES (?,?,?,?,?)`,
		callID, r.StaffID, NS(r.Started), NSPtr(r.Ended), string(r.Outcome))
	return err
}

func (t *Tx) EndRingAttempt(callID, staffID int64, at time.Time, outcome api.RingOutcome) error {
	return t.UpdateOne("open ring attempt of staff", staffID, `UPDATE ring_attempts SET ended=?, outcome=?
		WHERE id=(SELECT max(id) FROM ring_attempts WHERE call_id=? AND staff_id=? AND ended IS NULL)`,
		NS(at), string(outcome), callID, staffID)
}

func (t *Tx) AddParticipant(callID int64, p api.Participant) error {
	if p.Joined.IsZero() {
		p.Joined = t.Now
	}
	_, err := t.Conn.Exec(`INSERT INTO call_participants(call_id, staff_id, mode, joined, left_at, muted) VALUES (?,?,?,?,?,?)`,
		callID, p.StaffID, string(p.Mode), NS(p.Joined), NSPtr(p.Left), p.Muted)
	return err
}

func (t *Tx) EndParticipant(callID, staffID int64, at time.Time) error {
	return t.UpdateOne("participant in call of staff", staffID, `UPDATE call_participants SET left_at=?
		WHERE id=(SELECT max(id) FROM call_participants WHERE call_id=? AND staff_id=? AND left_at IS NULL)`,
		NS(at), callID, staffID)
}

// CloseMissedChat closes chat chatID as missed with reason at at in one
// statement: what the call lifecycle does when a missed call ends, without
// loading the whole chat first. It is UpdateChat of the stored chat with
// state closed, no snooze, missed, reason and closed set (not_found when
// there is no such chat).
func (t *Tx) CloseMissedChat(chatID int64, reason api.MissedReason, at time.Time) error {
	return t.UpdateOne("chat", chatID, `UPDATE chats SET state=?, snoozed_until=NULL, missed=?, missed_reason=?, closed=?,
		updated=? WHERE id=?`, string(api.ChatClosed), true, string(reason), NS(at), NS(t.Now), chatID)
}
