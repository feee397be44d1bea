package main

import (
	"github.com/meet-dev/meet/audio/device"
	"github.com/meet-dev/meet/tui/settings"
)

// listDevices lists PortAudio devices for the settings picker.
func listDevices() ([]settings.Device, error) {
	infos, err := device.List()
	if err != nil {
		return nil, err
	}
	out := make([]settings.Device, 0, len(infos))
	for _, i := range infos {
		out = append(out, settings.Device{Name: i.Name, Input: i.MaxInputChannels > 0, Output: i.MaxOutputChannels > 0,
			Default: i.DefaultInput || i.DefaultOutput})
	}
	return out, nil
}
