package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// RecordingBucket is the JetStream object store every node copies its
// voicemails and call recordings into, keyed by recording id, so that any
// node can serve any recording (the node that recorded it may be busy,
// behind another address, or gone).
const RecordingBucket = "meet-recordings"

// Recordings archives this node's finished recordings in RecordingBucket
// and opens any recording: from this node's disk when the file is here,
// else from the bucket. Feed it the cluster's events (Watch): a
// call.voicemail or call.recorded event whose file is on this node's disk
// is uploaded; a recording.deleted event (retention) removes the copy.
type Recordings struct {
	obs jetstream.ObjectStore
	st  store.Store
	log *slog.Logger
	tmp string // where fetched copies are spooled while served

	wg     sync.WaitGroup
	mu     sync.Mutex // closed and sends on jobs
	closed bool
	jobs   chan api.Event
}

// uploadQueue bounds the archive work waiting (an event is a few bytes; a
// burst of recordings ending at once waits here rather than being lost).
const uploadQueue = 4096

// NewRecordings opens (or creates) the bucket.
func NewRecordings(ctx context.Context, nc *nats.Conn, st store.Store, log *slog.Logger) (*Recordings, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	obs, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: RecordingBucket,
		Storage: jetstream.FileStorage, Description: "voicemails and call recordings, by recording id"})
	if err != nil {
		return nil, fmt.Errorf("recording bucket: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Recordings{obs: obs, st: st, log: log, tmp: os.TempDir(), jobs: make(chan api.Event, uploadQueue)}
	r.wg.Add(1)
	go r.work()
	return r, nil
}

// Close finishes the archive work queued and stops; later events are
// ignored.
func (r *Recordings) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.jobs)
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func objectName(id int64) string { return strconv.FormatInt(id, 10) }

// Watch queues the archive work evs call for; it never blocks (a full
// queue drops the event with an error logged: that recording stays on its
// node's disk, served there).
func (r *Recordings) Watch(evs []api.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	for _, e := range evs {
		switch e.Type {
		case api.EvCallVoicemail, api.EvCallRecorded, api.EvRecordingDeleted:
		default:
			continue
		}
		select {
		case r.jobs <- e:
		default:
			r.log.Error("recording archive queue full; not archived", "event", string(e.Type), "call_id", e.CallID)
		}
	}
}

func (r *Recordings) work() {
	defer r.wg.Done()
	for e := range r.jobs {
		var d struct {
			RecordingID int64 `json:"recording_id"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil || d.RecordingID == 0 {
			continue // a voicemail call that left no message
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		var err error
		if e.Type == api.EvRecordingDeleted {
			if err = r.obs.Delete(ctx, objectName(d.RecordingID)); errors.Is(err, jetstream.ErrObjectNotFound) {
				err = nil
			}
		} else {
			err = r.archive(ctx, d.RecordingID)
		}
		cancel()
		if err != nil {
			r.log.Error("recording archive", "event", string(e.Type), "recording_id", d.RecordingID, "err", err)
		}
	}
}

// archive uploads recording id when its file is on this node's disk.
func (r *Recordings) archive(ctx context.Context, id int64) error {
	var rec api.Recording
	if err := r.st.View(ctx, func(tx store.Tx) (err error) { rec, err = tx.Recording(id); return }); err != nil {
		return err
	}
	f, err := os.Open(rec.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // another node's disk: that node archives it
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := r.obs.Put(ctx, jetstream.ObjectMeta{Name: objectName(id),
		Description: fmt.Sprintf("%s of call %d, chat %d", rec.Kind, rec.CallID, rec.ChatID)}, f)
	if err != nil {
		return err
	}
	r.log.Info("recording archived", "recording_id", id, "bytes", info.Size)
	return nil
}

// Open returns rec's audio: the file on this node's disk, or a copy of the
// archived one (spooled to a temporary file that Close removes).
func (r *Recordings) Open(ctx context.Context, rec api.Recording) (io.ReadSeekCloser, error) {
	if f, err := os.Open(rec.Path); err == nil {
		return f, nil
	}
	obj, err := r.obs.Get(ctx, objectName(rec.ID))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("recording %d from the cluster's archive: %w", rec.ID, err)
	}
	defer obj.Close()
	tmp, err := os.CreateTemp(r.tmp, "meet-recording-*.wav")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(tmp, obj); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("recording %d from the cluster's archive: %w", rec.ID, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return spooled{tmp}, nil
}

// spooled is a temporary copy removed when closed.
type spooled struct{ *os.File }

func (s spooled) Close() error {
	err := s.File.Close()
	if rmErr := os.Remove(s.Name()); err == nil {
		err = rmErr
	}
	return err
}
