package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/denoise"
)

func init() { extraCommands = append(extraCommands, newDenoiseCmd) }

// newDenoiseCmd is `meet denoise IN.wav OUT.wav`: the microphone's noise
// suppression applied to a file.
func newDenoiseCmd() *cobra.Command {
	var engine string
	cmd := &cobra.Command{
		Use:   "denoise IN.wav OUT.wav",
		Short: "Remove background noise from a WAV file (the softphone's noise suppression)",
		Long: "denoise reads any PCM or float WAV (any rate, mono or stereo mixed down), runs the\n" +
			"softphone's noise suppressor at 48 kHz and writes a 16-bit mono WAV at the input's rate,\n" +
			"time-aligned with the input.\n\n" +
			"--engine auto (the default, as in the softphone) uses the learned hybrid (RNNoise run in Go\n" +
			"with the weights read from rnnoise.wasm, found beside this binary, in ../share/meet, or at\n" +
			"$MEET_RNNOISE_WASM) and falls back to ours when rnnoise.wasm is missing; ours, hybrid and\n" +
			"rnnoise choose one; hybrid-wasm and rnnoise-wasm run rnnoise.wasm itself under wazero;\n" +
			"hybrid-shared runs ours on RNNoise's spectrum and mixes per bin (cheaper, not the default).",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := denoise.ParseEngine(engine)
			if err != nil {
				return err
			}
			st, err := denoiseFile(args[0], args[1], e)
			if err != nil {
				return err
			}
			if st.fallback != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: using ours: %v\n", st.fallback)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "denoised %s → %s with %s: %v of audio at %d Hz, %d frames, %.1f µs per 10 ms frame\n",
				args[0], args[1], st.engine, st.audio.Round(time.Millisecond), st.rate, st.frames, st.perFrame)
			return nil
		},
	}
	cmd.Flags().StringVar(&engine, "engine", "auto", "noise suppressor: auto, ours, hybrid, rnnoise, hybrid-wasm, rnnoise-wasm or hybrid-shared")
	return cmd
}

type denoiseStats struct {
	engine   string
	fallback error // why auto chose ours
	rate     int
	audio    time.Duration
	frames   int
	perFrame float64 // µs
}

func denoiseFile(inPath, outPath string, engine denoise.Engine) (denoiseStats, error) {
	var st denoiseStats
	f, err := os.Open(inPath)
	if err != nil {
		return st, err
	}
	w, err := audio.ReadWAV(f)
	f.Close()
	if err != nil {
		return st, fmt.Errorf("%s: %w", inPath, err)
	}
	st.rate = w.Rate
	st.audio = time.Duration(len(w.Samples)) * time.Second / time.Duration(w.Rate)
	s := audio.Resample(w.Samples, w.Rate, 48000)

	var ns denoise.Denoiser
	if engine == denoise.EngineAuto {
		ns, st.fallback, err = denoise.NewDefault(48000)
	} else {
		ns, err = denoise.NewEngine(engine, 48000)
	}
	if err != nil {
		return st, err
	}
	if c, ok := ns.(interface{ Close() error }); ok {
		defer c.Close()
	}
	st.engine = ns.Name()
	hop := ns.FrameSize()
	delay := int(ns.Latency() * 48000 / time.Second)
	// Pad to whole frames plus the suppressor's delay, then drop the delay
	// from the front so the output lines up with the input.
	n := len(s)
	buf := make(audio.PCM16, (n+delay+hop-1)/hop*hop)
	copy(buf, s)
	start := time.Now()
	for off := 0; off < len(buf); off += hop {
		if err := ns.ProcessPCM16(buf[off : off+hop]); err != nil {
			return st, err
		}
		st.frames++
	}
	if st.frames > 0 {
		st.perFrame = float64(time.Since(start).Microseconds()) / float64(st.frames)
	}
	out := audio.Resample(buf[delay:delay+n], 48000, w.Rate)

	of, err := os.Create(outPath)
	if err != nil {
		return st, err
	}
	if err := audio.WriteWAV(of, w.Rate, out); err != nil {
		of.Close()
		return st, fmt.Errorf("%s: %w", outPath, err)
	}
	return st, of.Close()
}
