package stats

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
)

// RowWriter streams export rows in one format; nothing is held in memory
// beyond the current row and a small buffer.
type RowWriter interface {
	Write(r *api.ExportRow) error
	// Flush writes out what is buffered; call it once at the end.
	Flush() error
	ContentType() string
}

// NewRowWriter returns the writer for format "csv" or "jsonl".
func NewRowWriter(format string, w io.Writer) (RowWriter, error) {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(api.ExportColumns); err != nil {
			return nil, err
		}
		return &csvRows{w: cw, rec: make([]string, len(api.ExportColumns))}, nil
	case "jsonl":
		bw := bufio.NewWriterSize(w, 64<<10)
		return &jsonRows{w: bw, enc: json.NewEncoder(bw)}, nil
	}
	return nil, api.Errorf(api.CodeBadRequest, "export format %q: want csv or jsonl", format)
}

type csvRows struct {
	w   *csv.Writer
	rec []string
}

func ts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (c *csvRows) Write(r *api.ExportRow) error {
	cb := ""
	if r.CallbackOf != nil {
		cb = strconv.FormatInt(*r.CallbackOf, 10)
	}
	created := r.Created
	rec := c.rec
	rec[0] = strconv.FormatInt(r.ChatID, 10)
	rec[1] = strconv.FormatInt(r.CallID, 10)
	rec[2] = string(r.Direction)
	rec[3] = r.From
	rec[4] = r.To
	rec[5] = r.Channel
	rec[6] = r.Team
	rec[7] = r.Assignee
	rec[8] = strings.Join(r.Tags, ";")
	rec[9] = ts(&created)
	rec[10] = ts(r.FirstWaitingStarted)
	rec[11] = ts(r.FirstRingStarted)
	rec[12] = ts(r.Answered)
	rec[13] = ts(r.Ended)
	rec[14] = strconv.Itoa(r.DurationS)
	rec[15] = string(r.MissedReason)
	rec[16] = cb
	return c.w.Write(rec)
}

func (c *csvRows) Flush() error        { c.w.Flush(); return c.w.Error() }
func (c *csvRows) ContentType() string { return "text/csv; charset=utf-8" }

type jsonRows struct {
	w   *bufio.Writer
	enc *json.Encoder
}

func (j *jsonRows) Write(r *api.ExportRow) error {
	if r.Tags == nil {
		r.Tags = []string{}
	}
	return j.enc.Encode(r)
}
func (j *jsonRows) Flush() error        { return j.w.Flush() }
func (j *jsonRows) ContentType() string { return "application/x-ndjson" }
