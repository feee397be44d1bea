package stats

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Service answers statistics queries and runs audited exports.
type Service struct {
	st  store.Store
	rep store.Reports
	now func() time.Time
}

// NewService builds the service over the store and its reporting side.
func NewService(st store.Store, rep store.Reports) *Service {
	return &Service{st: st, rep: rep, now: time.Now}
}

// DefaultServiceLevel is used when neither the query nor the channel sets one.
const DefaultServiceLevel = 20 * time.Second

// Stats computes q over the calls of the visible channels (nil = all).
func (s *Service) Stats(ctx context.Context, q api.StatsQuery, visible []int64) (api.Stats, error) {
	loc, sl := time.UTC, DefaultServiceLevel
	if q.ChannelID != 0 {
		if visible != nil && !slices.Contains(visible, q.ChannelID) {
			return api.Stats{}, api.Errorf(api.CodeForbidden, "channel %d is not yours", q.ChannelID)
		}
		var ch api.Channel
		err := s.st.View(ctx, func(tx store.Tx) (err error) { ch, err = tx.Channel(q.ChannelID); return err })
		if err != nil {
			return api.Stats{}, err
		}
		if l, err := time.LoadLocation(ch.Timezone); err == nil {
			loc = l
		}
		if ch.ServiceLevelS > 0 {
			sl = time.Duration(ch.ServiceLevelS) * time.Second
		}
	}
	if q.ServiceLevelS > 0 {
		sl = time.Duration(q.ServiceLevelS) * time.Second
	}
	acc, err := NewAcc(q, loc, sl)
	if err != nil {
		return api.Stats{}, err
	}
	if q.MenuPath != "" && !api.ValidMenuPath(q.MenuPath) {
		return api.Stats{}, api.Errorf(api.CodeBadRequest, "menu_path %q: want keys (0-9, *, #) joined by /, e.g. 1/2", q.MenuPath)
	}
	f := store.ExportFilter{From: q.From, To: q.To, ChannelID: q.ChannelID, TeamID: q.TeamID, Channels: visible, MenuPath: q.MenuPath}
	if err := s.rep.StreamCalls(ctx, f, func(c store.CallStat) error { acc.AddPath(c.Call, c.MenuPath); return nil }); err != nil {
		return api.Stats{}, err
	}
	return acc.Result(), nil
}

// ExportRequest is one audited export.
type ExportRequest struct {
	StaffID int64
	Format  string // csv or jsonl
	Filter  store.ExportFilter
	Purpose string
}

// Validate checks the request before anything is written.
func (r ExportRequest) Validate() error {
	if r.Purpose == "" {
		return api.Errorf(api.CodeBadRequest, "purpose is required: say why you export call data (it is recorded in the audit log)")
	}
	if len(r.Purpose) > 500 {
		return api.Errorf(api.CodeBadRequest, "purpose is longer than 500 characters")
	}
	if r.Format != "csv" && r.Format != "jsonl" {
		return api.Errorf(api.CodeBadRequest, "format %q: want csv or jsonl", r.Format)
	}
	if r.Filter.From.IsZero() || r.Filter.To.IsZero() || !r.Filter.From.Before(r.Filter.To) {
		return api.Errorf(api.CodeBadRequest, "from and to are required and from must be before to")
	}
	if r.Filter.Reason != "" && !r.Filter.Reason.Valid() {
		return api.Errorf(api.CodeBadRequest, "unknown missed reason %q", r.Filter.Reason)
	}
	if r.Filter.MenuPath != "" && !api.ValidMenuPath(r.Filter.MenuPath) {
		return api.Errorf(api.CodeBadRequest, "menu_path %q: want keys (0-9, *, #) joined by /, e.g. 1/2", r.Filter.MenuPath)
	}
	return nil
}

// Export streams the rows of r to w and records the audit entry with the
// number of rows written, also when the stream broke off.
func (s *Service) Export(ctx context.Context, r ExportRequest, w io.Writer) (int64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	rw, err := NewRowWriter(r.Format, w)
	if err != nil {
		return 0, err
	}
	var n int64
	streamErr := s.rep.StreamExport(ctx, r.Filter, func(row *api.ExportRow) error {
		n++
		return rw.Write(row)
	})
	if streamErr == nil {
		streamErr = rw.Flush()
	}
	entry := &api.AuditEntry{StaffID: r.StaffID, At: s.now(), Action: "export.calls." + r.Format,
		Purpose: r.Purpose, Filters: describe(r.Filter), Rows: n}
	// The audit entry is written even when the client went away mid-stream.
	if err := s.rep.AddAudit(context.WithoutCancel(ctx), entry); err != nil {
		return n, fmt.Errorf("export audit: %w", err)
	}
	return n, streamErr
}

func describe(f store.ExportFilter) string {
	v := url.Values{}
	v.Set("from", f.From.UTC().Format(time.RFC3339))
	v.Set("to", f.To.UTC().Format(time.RFC3339))
	if f.ChannelID != 0 {
		v.Set("channel", fmt.Sprint(f.ChannelID))
	}
	if f.TeamID != 0 {
		v.Set("team", fmt.Sprint(f.TeamID))
	}
	if f.Reason != "" {
		v.Set("reason", string(f.Reason))
	}
	if f.MenuPath != "" {
		v.Set("menu_path", f.MenuPath)
	}
	return v.Encode()
}
