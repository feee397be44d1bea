package nseval

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrTool is returned when espeak-ng or sox is not installed.
var ErrTool = errors.New("nseval: external tool missing")

// Speak synthesises text with espeak-ng's voice and returns it resampled to
// rate Hz (by sox) as samples in [-1, 1]. dir holds the temporary files.
func Speak(dir, voice, text string, rate int) ([]float64, error) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%w: %s (Debian package %s)", ErrTool, tool, tool)
		}
	}
	wav := filepath.Join(dir, "tts.wav")
	raw := filepath.Join(dir, "tts.f32")
	if out, err := exec.Command("espeak-ng", "-v", voice, "-s", "160", "-w", wav, text).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nseval: espeak-ng -v %s: %v: %s", voice, err, out)
	}
	if out, err := exec.Command("sox", wav, "-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1", "-r", fmt.Sprint(rate), raw).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nseval: sox resample: %v: %s", err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		return nil, err
	}
	x := make([]float64, len(b)/4)
	for i := range x {
		x[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return x, nil
}

// Power is the mean square of x.
func Power(x []float64) float64 {
	var p float64
	for _, v := range x {
		p += v * v
	}
	return p / float64(max(len(x), 1))
}

// Mix adds noise scaled so that the clean-to-noise power ratio over the whole
// signal is snrDB, and returns the mixture.
func Mix(clean, noise []float64, snrDB float64) []float64 {
	g := math.Sqrt(Power(clean) / (Power(noise) * math.Pow(10, snrDB/10)))
	out := make([]float64, len(clean))
	for i := range out {
		out[i] = clean[i] + g*noise[i%len(noise)]
	}
	return out
}
