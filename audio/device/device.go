// Package device captures from and plays to sound devices through PortAudio
// (cgo, github.com/gordonklaus/portaudio): mono int16 at the rate asked for
// (48 kHz normally) in small frames (10 ms = 480 samples), with overrun and
// underrun counters. A device that is missing gives an error naming the
// devices there are; one that fails mid-call is reported on Errors() while
// the stream keeps going with silence, so a call survives an unplugged headset.
package device

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gordonklaus/portaudio"
)

// Defaults for a softphone.
const (
	DefaultRate         = 48000
	DefaultFrameSamples = 480 // 10 ms at 48 kHz
)

// ErrNoDevice is wrapped by errors for a device that does not exist.
var ErrNoDevice = errors.New("no such audio device")

var (
	paMu              sync.Mutex
	paCount           int
	paEverInitialized bool // tests: host configuration is read at the first Initialize
)

// Initialize initialises PortAudio; calls are counted and each successful one
// must be paired with Terminate. Opening streams and List do it themselves.
func Initialize() error {
	paMu.Lock()
	defer paMu.Unlock()
	if paCount == 0 {
		if err := quietStderr(portaudio.Initialize); err != nil {
			return fmt.Errorf("device: initialising PortAudio: %w", err)
		}
		paEverInitialized = true
	}
	paCount++
	return nil
}

// Terminate releases one Initialize; the last one shuts PortAudio down.
func Terminate() error {
	paMu.Lock()
	defer paMu.Unlock()
	if paCount == 0 {
		return errors.New("device: Terminate without Initialize")
	}
	paCount--
	if paCount == 0 {
		if err := portaudio.Terminate(); err != nil {
			return fmt.Errorf("device: terminating PortAudio: %w", err)
		}
	}
	return nil
}

// Info describes one device.
type Info struct {
	Name              string
	HostAPI           string
	MaxInputChannels  int
	MaxOutputChannels int
	DefaultSampleRate float64
	DefaultInput      bool // the system's default capture device
	DefaultOutput     bool // the system's default playback device
}

func (i Info) String() string {
	var marks []string
	if i.DefaultInput {
		marks = append(marks, "default input")
	}
	if i.DefaultOutput {
		marks = append(marks, "default output")
	}
	s := fmt.Sprintf("%s (%s, in %d, out %d, %.0f Hz)", i.Name, i.HostAPI, i.MaxInputChannels, i.MaxOutputChannels, i.DefaultSampleRate)
	if len(marks) > 0 {
		s += " [" + strings.Join(marks, ", ") + "]"
	}
	return s
}

// List returns the devices PortAudio sees, defaults marked.
func List() ([]Info, error) {
	if err := Initialize(); err != nil {
		return nil, err
	}
	defer Terminate()
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("device: listing devices: %w", err)
	}
	defIn, _ := portaudio.DefaultInputDevice()
	defOut, _ := portaudio.DefaultOutputDevice()
	out := make([]Info, 0, len(devs))
	for _, d := range devs {
		info := Info{
			Name:              d.Name,
			MaxInputChannels:  d.MaxInputChannels,
			MaxOutputChannels: d.MaxOutputChannels,
			DefaultSampleRate: d.DefaultSampleRate,
			DefaultInput:      defIn != nil && d.Index == defIn.Index,
			DefaultOutput:     defOut != nil && d.Index == defOut.Index,
		}
		if d.HostApi != nil {
			info.HostAPI = d.HostApi.Name
		}
		out = append(out, info)
	}
	return out, nil
}

type direction int

const (
	input direction = iota
	output
)

func (d direction) String() string {
	if d == input {
		return "input"
	}
	return "output"
}

func channelsOf(d *portaudio.DeviceInfo, dir direction) int {
	if dir == input {
		return d.MaxInputChannels
	}
	return d.MaxOutputChannels
}

// find picks a device by exact name, then by a unique case-insensitive
// substring; an empty name is the system default. Call with PortAudio initialised.
func find(name string, dir direction) (*portaudio.DeviceInfo, error) {
	if name == "" {
		var d *portaudio.DeviceInfo
		var err error
		if dir == input {
			d, err = portaudio.DefaultInputDevice()
		} else {
			d, err = portaudio.DefaultOutputDevice()
		}
		if err != nil || d == nil {
			return nil, fmt.Errorf("device: no default %s device: %w; available: %s", dir, ErrNoDevice, available(dir))
		}
		return d, nil
	}
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("device: listing devices: %w", err)
	}
	var partial []*portaudio.DeviceInfo
	for _, d := range devs {
		if channelsOf(d, dir) == 0 {
			continue
		}
		if d.Name == name {
			return d, nil
		}
		if strings.Contains(strings.ToLower(d.Name), strings.ToLower(name)) {
			partial = append(partial, d)
		}
	}
	switch len(partial) {
	case 1:
		return partial[0], nil
	case 0:
		return nil, fmt.Errorf("device: no %s device named %q; available: %s: %w", dir, name, available(dir), ErrNoDevice)
	default:
		names := make([]string, len(partial))
		for i, d := range partial {
			names[i] = fmt.Sprintf("%q", d.Name)
		}
		return nil, fmt.Errorf("device: %s device name %q is ambiguous, matching %s: %w", dir, name, strings.Join(names, ", "), ErrNoDevice)
	}
}

// available lists the device names usable in dir, quoted, for error messages.
func available(dir direction) string {
	devs, err := portaudio.Devices()
	if err != nil {
		return "(listing failed: " + err.Error() + ")"
	}
	var names []string
	for _, d := range devs {
		if channelsOf(d, dir) > 0 {
			names = append(names, fmt.Sprintf("%q", d.Name))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
