//go:build nseval

package nseval

/*
#cgo pkg-config: speexdsp webrtc-audio-processing
#cgo CXXFLAGS: -std=c++11 -O2
#cgo LDFLAGS: -lstdc++
#include <stdlib.h>
#include <speex/speex_preprocess.h>
#include "webrtc_shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Speex is libspeexdsp's preprocessor with only denoising on (its default
// suppression of -15 dB), 10 ms frames.
type Speex struct {
	st  *C.SpeexPreprocessState
	buf []int16
}

// NewSpeex returns a speexdsp denoiser for rate Hz.
func NewSpeex(rate int) (*Speex, error) {
	st := C.speex_preprocess_state_init(C.int(rate/100), C.int(rate))
	if st == nil {
		return nil, fmt.Errorf("nseval: speex_preprocess_state_init(%d) failed", rate)
	}
	on := C.int(1)
	if C.speex_preprocess_ctl(st, C.SPEEX_PREPROCESS_SET_DENOISE, unsafe.Pointer(&on)) != 0 {
		C.speex_preprocess_state_destroy(st)
		return nil, fmt.Errorf("nseval: SPEEX_PREPROCESS_SET_DENOISE failed")
	}
	return &Speex{st: st, buf: make([]int16, rate/100)}, nil
}

// Process denoises one 10 ms frame in place.
func (s *Speex) Process(frame []float32) {
	for i, v := range frame {
		s.buf[i] = toPCM16(v)
	}
	C.speex_preprocess_run(s.st, (*C.spx_int16_t)(unsafe.Pointer(&s.buf[0])))
	for i, v := range s.buf {
		frame[i] = float32(v) / 32768
	}
}

// Close frees the C state.
func (s *Speex) Close() { C.speex_preprocess_state_destroy(s.st) }

// WebRTC is webrtc-audio-processing's noise suppression alone, 10 ms frames.
type WebRTC struct{ w *C.nseval_wap }

// NewWebRTC returns a webrtc denoiser for rate Hz at level 0 (low) .. 3
// (very high).
func NewWebRTC(rate, level int) (*WebRTC, error) {
	w := C.nseval_wap_new(C.int(rate), C.int(level))
	if w == nil {
		return nil, fmt.Errorf("nseval: webrtc audio processing init at %d Hz level %d failed", rate, level)
	}
	return &WebRTC{w: w}, nil
}

// Process denoises one 10 ms frame in place.
func (w *WebRTC) Process(frame []float32) error {
	if rc := C.nseval_wap_process(w.w, (*C.float)(unsafe.Pointer(&frame[0]))); rc != 0 {
		return fmt.Errorf("nseval: webrtc ProcessStream returned %d", int(rc))
	}
	return nil
}

// Close frees the C++ state.
func (w *WebRTC) Close() { C.nseval_wap_free(w.w) }

func toPCM16(v float32) int16 {
	v *= 32768
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v >= 0:
		return int16(v + 0.5)
	}
	return int16(v - 0.5)
}
