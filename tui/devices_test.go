package tui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/tui/settings"
)

type settingsDevice = settings.Device

func fakeDevices() ([]settings.Device, error) {
	return []settings.Device{
		{Name: "Built-in Mic", Input: true, Default: true},
		{Name: "USB Headset", Input: true, Output: true},
		{Name: "HDMI out", Output: true},
	}, nil
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func lineWidth(s string) int { return ansi.StringWidth(s) }
