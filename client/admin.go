package client

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/meet-dev/meet/api"
)

func (c *Client) AdminChannels(ctx context.Context) ([]api.Channel, error) {
	var out []api.Channel
	return out, c.do(ctx, http.MethodGet, "/v1/admin/channels", nil, nil, &out)
}

func (c *Client) AdminCreateChannel(ctx context.Context, ch api.Channel) (api.Channel, error) {
	var out api.Channel
	return out, c.do(ctx, http.MethodPost, "/v1/admin/channels", nil, ch, &out)
}

func (c *Client) AdminPatchChannel(ctx context.Context, channelID int64, p api.ChannelPatch) (api.Channel, error) {
	var out api.Channel
	return out, c.do(ctx, http.MethodPatch, "/v1/admin/channels/"+id(channelID), nil, p, &out)
}

func (c *Client) AdminAddNumber(ctx context.Context, channelID int64, number string) (api.Channel, error) {
	var out api.Channel
	return out, c.do(ctx, http.MethodPost, "/v1/admin/channels/"+id(channelID)+"/numbers", nil, api.NumberBody{Number: number}, &out)
}

func (c *Client) AdminSetHours(ctx context.Context, channelID int64, h api.Hours) (api.Channel, error) {
	var out api.Channel
	return out, c.do(ctx, http.MethodPut, "/v1/admin/channels/"+id(channelID)+"/hours", nil, h, &out)
}

// AdminUploadGuidance uploads a WAV file as a channel's guidance of kind.
func (c *Client) AdminUploadGuidance(ctx context.Context, channelID int64, kind api.GuidanceKind, wav io.Reader) error {
	return c.do(ctx, http.MethodPost, "/v1/admin/channels/"+id(channelID)+"/guidance/"+url.PathEscape(string(kind)), nil, wav, nil)
}

func (c *Client) AdminAutomations(ctx context.Context, channelID int64) ([]api.Automation, error) {
	var out []api.Automation
	return out, c.do(ctx, http.MethodGet, "/v1/admin/channels/"+id(channelID)+"/automations", nil, nil, &out)
}

func (c *Client) AdminPutAutomations(ctx context.Context, channelID int64, as []api.Automation) ([]api.Automation, error) {
	var out []api.Automation
	return out, c.do(ctx, http.MethodPut, "/v1/admin/channels/"+id(channelID)+"/automations", nil, as, &out)
}

func (c *Client) AdminTeams(ctx context.Context) ([]api.Team, error) {
	var out []api.Team
	return out, c.do(ctx, http.MethodGet, "/v1/admin/teams", nil, nil, &out)
}

func (c *Client) AdminCreateTeam(ctx context.Context, t api.Team) (api.Team, error) {
	var out api.Team
	return out, c.do(ctx, http.MethodPost, "/v1/admin/teams", nil, t, &out)
}

func (c *Client) AdminAddTeamMember(ctx context.Context, teamID, staffID int64) (api.Team, error) {
	var out api.Team
	return out, c.do(ctx, http.MethodPost, "/v1/admin/teams/"+id(teamID)+"/members", nil, api.MemberBody{StaffID: staffID}, &out)
}

func (c *Client) AdminStaff(ctx context.Context) ([]api.Staff, error) {
	var out []api.Staff
	return out, c.do(ctx, http.MethodGet, "/v1/admin/staff", nil, nil, &out)
}

func (c *Client) AdminCreateStaff(ctx context.Context, r api.AdminStaffRequest) (api.Staff, error) {
	var out api.Staff
	return out, c.do(ctx, http.MethodPost, "/v1/admin/staff", nil, r, &out)
}

// AdminSMS lists the SMS outbox, of one chat when chatID is not 0.
func (c *Client) AdminSMS(ctx context.Context, chatID int64) ([]api.SMS, error) {
	v := url.Values{}
	if chatID != 0 {
		v.Set("chat", id(chatID))
	}
	var out []api.SMS
	return out, c.do(ctx, http.MethodGet, "/v1/admin/sms", v, nil, &out)
}
