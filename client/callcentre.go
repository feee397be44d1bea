package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/meet-dev/meet/api"
)

// Recording writes a voicemail or call recording (WAV) to w.
func (c *Client) Recording(ctx context.Context, recordingID int64, w io.Writer) error {
	return c.do(ctx, http.MethodGet, "/v1/recordings/"+strconv.FormatInt(recordingID, 10), nil, nil, w)
}

// RecordingFor writes a call recording (supervisors) to w, saying why: the
// download is audited like an export.
func (c *Client) RecordingFor(ctx context.Context, recordingID int64, purpose string, w io.Writer) error {
	return c.do(ctx, http.MethodGet, "/v1/recordings/"+strconv.FormatInt(recordingID, 10), url.Values{"purpose": {purpose}}, nil, w)
}

// SetMenu replaces a channel's IVR menu (admins); nil removes it.
func (c *Client) SetMenu(ctx context.Context, channelID int64, m *api.Menu) (api.Channel, error) {
	var out api.Channel
	path := "/v1/admin/channels/" + strconv.FormatInt(channelID, 10) + "/menu"
	if m == nil {
		return out, c.do(ctx, http.MethodDelete, path, nil, nil, &out)
	}
	return out, c.do(ctx, http.MethodPut, path, nil, m, &out)
}

// Hold puts a call on hold; Resume takes it off.
func (c *Client) Hold(ctx context.Context, callID int64) error {
	return c.do(ctx, http.MethodPost, "/v1/calls/"+strconv.FormatInt(callID, 10)+"/hold", nil, nil, nil)
}

// Resume takes a call off hold.
func (c *Client) Resume(ctx context.Context, callID int64) error {
	return c.do(ctx, http.MethodPost, "/v1/calls/"+strconv.FormatInt(callID, 10)+"/resume", nil, nil, nil)
}

// Transfer starts a blind or attended transfer of a call.
func (c *Client) Transfer(ctx context.Context, callID int64, req api.TransferRequest) (api.Call, error) {
	var out api.Call
	return out, c.do(ctx, http.MethodPost, "/v1/calls/"+strconv.FormatInt(callID, 10)+"/transfer", nil, req, &out)
}

// CompleteTransfer hands the customer of an attended transfer to the target.
func (c *Client) CompleteTransfer(ctx context.Context, callID int64) (api.Call, error) {
	var out api.Call
	return out, c.do(ctx, http.MethodPost, "/v1/calls/"+strconv.FormatInt(callID, 10)+"/transfer/complete", nil, nil, &out)
}

// CancelTransfer ends an attended transfer's consult; the customer is back with us.
func (c *Client) CancelTransfer(ctx context.Context, callID int64) (api.Call, error) {
	var out api.Call
	return out, c.do(ctx, http.MethodPost, "/v1/calls/"+strconv.FormatInt(callID, 10)+"/transfer/cancel", nil, nil, &out)
}

// Teams lists the teams of our channels (transfer targets).
func (c *Client) Teams(ctx context.Context) ([]api.Team, error) {
	var out []api.Team
	return out, c.do(ctx, http.MethodGet, "/v1/teams", nil, nil, &out)
}
