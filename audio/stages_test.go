package audio_test

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

func TestLevel(t *testing.T) {
	cases := []struct {
		name      string
		s         audio.PCM16
		rms, peak float64
	}{
		{"empty", nil, audio.MinDBFS, audio.MinDBFS},
		{"silence", make(audio.PCM16, 100), audio.MinDBFS, audio.MinDBFS},
		{"full-scale sine", audiotest.Tone(48000, 1000, 1, 4800), -3.01, 0},
		{"-20 dB sine", audiotest.Tone(48000, 1000, 0.1, 4800), -23.01, -20},
		{"square", audio.PCM16{-32768, -32768, -32768, -32768}, 0, 0},
	}
	for _, c := range cases {
		rms, peak := audio.Level(c.s)
		if math.Abs(rms-c.rms) > 0.05 || math.Abs(peak-c.peak) > 0.05 {
			t.Errorf("%s: Level = %.2f, %.2f; want %.2f, %.2f", c.name, rms, peak, c.rms, c.peak)
		}
	}
}

func TestMeterConcurrentRead(t *testing.T) {
	m := audio.NewMeter(audio.Discard(48000))
	if m.String() != "Meter -> Discard(48000)" {
		t.Fatalf("String() = %q", m)
	}
	if rms, _ := m.Levels(); rms != audio.MinDBFS {
		t.Fatalf("initial level %v", rms)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < 200; i++ {
			m.Levels()
		}
	})
	for i := 0; i < 200; i++ {
		_ = m.WriteSample(audiotest.Tone(48000, 440, 0.5, 480))
	}
	wg.Wait()
	rms, peak := m.Levels()
	if math.Abs(rms+9.03) > 0.1 || math.Abs(peak+6.02) > 0.1 || m.Frames() != 200 {
		t.Fatalf("levels %.2f %.2f after %d frames", rms, peak, m.Frames())
	}
	// Take covers the whole interval: one loud frame among quiet ones shows in
	// the peak, and the RMS is the interval's.
	m.Take()
	_ = m.WriteSample(audiotest.Tone(48000, 440, 0.9, 480))
	_ = m.WriteSample(make(audio.PCM16, 480))
	rms, peak = m.Take()
	if math.Abs(peak-20*math.Log10(0.9)) > 0.1 || math.Abs(rms-(20*math.Log10(0.9)-3.01-3.01)) > 0.1 {
		t.Fatalf("Take() = %.2f, %.2f", rms, peak)
	}
	if rms, _ := m.Levels(); rms != audio.MinDBFS {
		t.Fatalf("Levels() after a silent frame = %.1f", rms)
	}
	if rms, peak := m.Take(); rms != audio.MinDBFS || peak != audio.MinDBFS {
		t.Fatal("Take() of an empty interval")
	}
}

func TestMuteSilencesWithoutClicks(t *testing.T) {
	buf := audio.NewBuffer(48000)
	m := audio.NewMute(buf)
	if m.String() != "Mute -> Buffer(48000)" || m.Muted() {
		t.Fatal("bad initial state")
	}
	frame := func(i int) audio.PCM16 { return audiotest.ToneAt(48000, 1000, 0.5, i*480, 480) }
	for i := 0; i < 10; i++ {
		_ = m.WriteSample(frame(i))
	}
	m.SetMuted(true)
	for i := 10; i < 20; i++ {
		_ = m.WriteSample(frame(i))
	}
	m.SetMuted(false)
	for i := 20; i < 30; i++ {
		_ = m.WriteSample(frame(i))
	}
	out := buf.Samples()
	if len(out) != 30*480 {
		t.Fatalf("%d samples: mute must keep frames flowing", len(out))
	}
	if !audiotest.HasTone(out[:4800], 48000, 1000) || !audiotest.HasTone(out[25*480:], 48000, 1000) {
		t.Fatal("tone missing while unmuted")
	}
	if !audiotest.IsSilent(out[11*480:20*480], -90) {
		t.Fatal("not silent while muted")
	}
	// The fade keeps sample-to-sample steps no larger than the tone's own.
	maxStep := 0
	for i := 1; i < len(out); i++ {
		maxStep = max(maxStep, abs(int(out[i])-int(out[i-1])))
	}
	if limit := int(math.Ceil(0.5 * 32767 * 2 * math.Pi * 1000 / 48000 * 1.05)); maxStep > limit {
		t.Fatalf("click: step %d > %d", maxStep, limit)
	}
}

func TestGain(t *testing.T) {
	buf := audio.NewBuffer(8000)
	g := audio.NewGain(buf, -6)
	if g.String() != "Gain(-6.0dB) -> Buffer(8000)" {
		t.Fatalf("String() = %q", g)
	}
	_ = g.WriteSample(audiotest.Tone(8000, 500, 0.5, 800))
	if _, peak := audio.Level(buf.Samples()); math.Abs(peak-(-12.04)) > 0.1 {
		t.Fatalf("peak %.2f after -6 dB", peak)
	}
	buf.Reset()
	g.SetDB(20)
	for i := 0; i < 5; i++ {
		_ = g.WriteSample(audiotest.ToneAt(8000, 500, 0.5, i*160, 160))
	}
	out := buf.Samples()
	if _, peak := audio.Level(out[400:]); peak < -0.001 {
		t.Fatalf("+20 dB on a -6 dB tone must saturate, peak %.3f", peak)
	}
}

func TestChunker(t *testing.T) {
	var sizes []int
	var all audio.PCM16
	sink := audio.NewFunc("sink", 48000, func(s audio.PCM16) error {
		sizes = append(sizes, len(s))
		all = append(all, s...)
		return nil
	})
	c := audio.NewChunker(sink, 480)
	if c.String() != "Chunk(480) -> sink" {
		t.Fatalf("String() = %q", c)
	}
	in := audiotest.Tone(48000, 440, 0.5, 2000)
	for _, n := range []int{100, 700, 1, 479, 720} {
		if err := c.WriteSample(in[:n]); err != nil {
			t.Fatal(err)
		}
		in = in[n:]
	}
	if c.Pending() != 2000-4*480 {
		t.Fatalf("pending %d", c.Pending())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range sizes {
		if n != 480 {
			t.Fatalf("frame sizes %v", sizes)
		}
	}
	want := audiotest.Tone(48000, 440, 0.5, 2000)
	if !slicesEqual(all[:2000], want) || len(all) != 2400 || !audiotest.IsSilent(all[2000:], -100) {
		t.Fatal("chunker changed the audio")
	}
	boom := errors.New("boom")
	c2 := audio.NewChunker(audio.NewFunc("bad", 8000, func(audio.PCM16) error { return boom }), 160)
	if err := c2.WriteSample(make(audio.PCM16, 200)); !errors.Is(err, boom) {
		t.Fatalf("error not propagated: %v", err)
	}
}

func TestTeeAndChain(t *testing.T) {
	a, b := audio.NewBuffer(8000), audio.NewBuffer(8000)
	tee := audio.Tee(a, b)
	if tee.String() != "Tee(Buffer(8000) | Buffer(8000))" {
		t.Fatalf("String() = %q", tee)
	}
	_ = tee.WriteSample(audio.PCM16{1, 2, 3})
	if a.Len() != 3 || b.Len() != 3 {
		t.Fatal("tee did not copy")
	}
	if err := audio.Tee(a, audio.NewBuffer(48000)).WriteSample(audio.PCM16{1}); err == nil {
		t.Fatal("tee across rates accepted")
	}
	var mute *audio.Mute
	w := audio.Chain(audio.NewBuffer(48000),
		func(w audio.Writer) audio.Writer { return audio.NewResampler(w, 8000) },
		nil, // optional stage switched off
		func(w audio.Writer) audio.Writer { mute = audio.NewMute(w); return mute },
	)
	if got := w.String(); got != "Resample(8000->48000) -> Mute -> Buffer(48000)" {
		t.Fatalf("chain %q", got)
	}
	if w.SampleRate() != 8000 || mute == nil {
		t.Fatal("chain rate")
	}
}

func TestToneSourceCadence(t *testing.T) {
	src, err := audio.NewToneSource(8000, audio.RingCadence)
	if err != nil {
		t.Fatal(err)
	}
	if src.Period() != 3*time.Second {
		t.Fatalf("ring period %v", src.Period())
	}
	buf := audio.NewBuffer(8000)
	if err := src.WriteTo(buf, 160, 2*3*8000); err != nil {
		t.Fatal(err)
	}
	s := buf.Samples()
	ms := func(a, b int) audio.PCM16 { return s[a*8 : b*8] }
	for _, seg := range [][2]int{{10, 390}, {610, 990}, {3010, 3390}} {
		on := ms(seg[0], seg[1])
		if !audiotest.HasTone(on, 8000, 400) && !(audiotest.Goertzel(on, 8000, 400) > 0.005 && audiotest.Goertzel(on, 8000, 450) > 0.005) {
			t.Fatalf("no 400+450 Hz during %v ms", seg)
		}
	}
	for _, seg := range [][2]int{{405, 595}, {1005, 2995}} {
		if !audiotest.IsSilent(ms(seg[0], seg[1]), -100) {
			t.Fatalf("sound during the pause %v ms", seg)
		}
	}
	if _, peak := audio.Level(s); peak > 20*math.Log10(0.36) {
		t.Fatalf("ring too loud: %.1f dBFS peak", peak)
	}
	maxStep := 0
	for i := 1; i < len(s); i++ {
		maxStep = max(maxStep, abs(int(s[i])-int(s[i-1])))
	}
	if limit := int(math.Ceil(0.35 * 32767 * 2 * math.Pi * 450 / 8000 * 1.1)); maxStep > limit {
		t.Fatalf("click at a tone edge: step %d > %d", maxStep, limit)
	}
	beep, _ := audio.NewToneSource(48000, audio.CallWaitingCadence)
	b := make(audio.PCM16, 5*48000)
	beep.Read(b)
	if !audiotest.HasTone(b[480:7000], 48000, 440) || !audiotest.HasTone(b[15000:21000], 48000, 440) || !audiotest.IsSilent(b[22000:], -100) {
		t.Fatal("call-waiting: want two 440 Hz beeps then silence")
	}
	if _, err := audio.NewToneSource(8000, audio.Cadence{Name: "x"}); err == nil {
		t.Fatal("empty cadence accepted")
	}
	if _, err := audio.NewToneSource(0, audio.BusyCadence); err == nil {
		t.Fatal("rate 0 accepted")
	}
}

func TestStagesDoNotAllocate(t *testing.T) {
	frame := audiotest.Tone(48000, 440, 0.5, 480)
	mute := audio.NewMute(audio.Discard(48000))
	mute.SetMuted(true)
	gain := audio.NewGain(audio.Discard(48000), -3)
	meter := audio.NewMeter(audio.Discard(48000))
	chunk := audio.NewChunker(audio.Discard(48000), 160)
	res := audio.NewResampler(audio.Discard(8000), 48000)
	for _, w := range []audio.Writer{mute, gain, meter, chunk, res} {
		_ = w.WriteSample(frame)
		if n := testing.AllocsPerRun(50, func() { _ = w.WriteSample(frame) }); n > 0 {
			t.Errorf("%s: %.1f allocations per frame", w, n)
		}
	}
}
