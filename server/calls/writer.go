package calls

import (
	"context"

	"github.com/meet-dev/meet/server/store"
)

// maxBatch bounds the records one store transaction carries.
const maxBatch = 256

// writer carries the records' store writes out of the manager's lock, in
// the order they were queued (records queue under m.mu, so in the order the
// state changed), and groups the records queued meanwhile into one
// transaction: under load one commit carries the writes of many calls
// instead of one each (a commit writes the touched pages to the WAL, the
// biggest cost of a small transaction). A record's effects are queued after
// its transaction committed, in record order. When a grouped transaction
// fails, its records are written again one per transaction, so one bad
// record fails alone, as it would have without grouping. A goroutine runs
// only while records wait.
type writer = lazyQueue[*writeReq]

// writeReq is one record's writes (ops, or solo: a function that runs its
// own transaction, in its turn) and the effects that follow them.
type writeReq struct {
	ops     []func(store.Tx) error
	solo    func() error
	effects []effect
	done    chan error
}

// submit queues req and returns at once; req.done receives the outcome.
func (m *Manager) submit(req *writeReq) { m.w.push(req) }

// writeOps writes ops in their turn (grouped with other records) and waits.
func (m *Manager) writeOps(ops []func(store.Tx) error, effects []effect) error {
	req := &writeReq{ops: ops, effects: effects, done: make(chan error, 1)}
	m.submit(req)
	return <-req.done
}

// writeBatch writes one batch of records in their order: each run of
// records with ops (or effects only) in one transaction, a solo one in its
// own.
func (m *Manager) writeBatch(batch []*writeReq) {
	for len(batch) > 0 {
		i := 0
		for i < len(batch) && batch[i].solo == nil {
			i++
		}
		m.writeGroup(batch[:i])
		if i < len(batch) {
			req := batch[i]
			m.finish(req, req.solo())
			i++
		}
		batch = batch[i:]
	}
}

// writeGroup writes reqs in one transaction (each in its own when that
// fails) and then queues their effects and reports, in order.
func (m *Manager) writeGroup(reqs []*writeReq) {
	if len(reqs) == 0 {
		return
	}
	var withOps []*writeReq
	for _, r := range reqs {
		if len(r.ops) > 0 {
			withOps = append(withOps, r)
		}
	}
	errs := make(map[*writeReq]error, len(withOps))
	if len(withOps) > 0 {
		err := m.update(func(tx store.Tx) error {
			for _, r := range withOps {
				for _, op := range r.ops {
					if err := op(tx); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil && len(withOps) > 1 {
			for _, r := range withOps {
				errs[r] = m.update(func(tx store.Tx) error {
					for _, op := range r.ops {
						if err := op(tx); err != nil {
							return err
						}
					}
					return nil
				})
			}
		} else if err != nil {
			errs[withOps[0]] = err
		}
	}
	for _, r := range reqs {
		m.finish(r, errs[r])
	}
}

func (m *Manager) update(fn func(store.Tx) error) error {
	err := m.st.Update(context.Background(), fn)
	if err != nil {
		m.log.Error("storing call state failed", "err", err)
	}
	return err
}

// finish queues req's effects and reports err.
func (m *Manager) finish(req *writeReq, err error) {
	for _, e := range req.effects {
		m.q.push(e.lane, e.f)
	}
	req.done <- err
}
