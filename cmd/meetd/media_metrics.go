package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/trunk"
)

// mediaCollector puts the receive counters of the media meetd plays out on
// /metrics, by where the audio comes from: "operator" (the softphones'
// streams into the rooms) and "caller" (the callers' RTP at the trunk). A
// jitter buffer plays each packet, conceals a frame that did not come in
// time, and gives back delay a stall left either by dropping packets
// unplayed (jumps over a backlog, trims) or, as it does for a period or
// two, by time compression: the packet plays early and pitch periods of
// the audio are left out.
type mediaCollector struct {
	rooms *room.Manager
	trunk *trunk.Server // nil without SIP
}

var (
	mediaPlayed = prometheus.NewDesc("meetd_media_packets_played_total",
		"Audio packets played out of the jitter buffers.", []string{"from"}, nil)
	mediaConcealed = prometheus.NewDesc("meetd_media_frames_concealed_total",
		"Audio frames missing at playout and concealed (lost or late packets; FEC when the next packet carried it).", []string{"from"}, nil)
	mediaDropped = prometheus.NewDesc("meetd_media_packets_dropped_total",
		"Audio packets dropped unplayed to cut delay (a backlog jumped over or trimmed).", []string{"from"}, nil)
	mediaCompressed = prometheus.NewDesc("meetd_media_packets_time_compressed_total",
		"Audio packets played early to give back delay, their audio time-compressed instead of dropped.", []string{"from"}, nil)
	mediaCut = prometheus.NewDesc("meetd_media_time_compressed_seconds_total",
		"Audio left out by time compression (whole pitch periods or silence).", []string{"from"}, nil)
)

func (c mediaCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mediaPlayed, mediaConcealed, mediaDropped, mediaCompressed, mediaCut} {
		ch <- d
	}
}

func (c mediaCollector) Collect(ch chan<- prometheus.Metric) {
	emit := func(from string, played, concealed, dropped, compressed uint64, cut float64) {
		for _, m := range []struct {
			d *prometheus.Desc
			v float64
		}{{mediaPlayed, float64(played)}, {mediaConcealed, float64(concealed)}, {mediaDropped, float64(dropped)},
			{mediaCompressed, float64(compressed)}, {mediaCut, cut}} {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, m.v, from)
		}
	}
	op := c.rooms.MediaStats()
	emit("operator", op.Played, op.Concealed, op.Skipped, op.Accelerated, op.CutSeconds)
	if c.trunk != nil {
		ca := c.trunk.MediaStats()
		emit("caller", ca.Played, ca.Concealed, ca.Skipped, ca.Accelerated, float64(ca.CutSamples)/8000)
	}
}
