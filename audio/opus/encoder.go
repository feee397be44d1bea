package opus

/*
#cgo pkg-config: opus
#include <opus.h>

// OPUS_SET_FORCE_MODE is libopus's request (opus_private.h, handled by
// opus_encoder_ctl in release builds too) to hold the encoder to one mode.
#define MEET_SET_FORCE_MODE_REQUEST 11002
#define MEET_MODE_CELT_ONLY 1002

static int meet_enc_set(OpusEncoder *st, int request, opus_int32 v) {
	return opus_encoder_ctl(st, request, v);
}
static int meet_enc_get(OpusEncoder *st, int request, opus_int32 *v) {
	return opus_encoder_ctl(st, request, v);
}
static int meet_enc_reset(OpusEncoder *st) {
	return opus_encoder_ctl(st, OPUS_RESET_STATE);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// cEncoder is a libopus encoder (OpusEncoder) whose state lives in Go
// memory, so the garbage collector frees it. audio/opus binds the encoder
// itself rather than through gopkg.in/hraban/opus.v2 for the one request
// that package does not offer: holding the encoder to CELT
// (WithCELTWithoutLoss, meetd's narrowband stream to the operator).
type cEncoder struct {
	mem []byte // the OpusEncoder
}

// The requests cEncoder sets and gets.
const (
	reqBitrate         = C.OPUS_SET_BITRATE_REQUEST
	reqGetBitrate      = C.OPUS_GET_BITRATE_REQUEST
	reqComplexity      = C.OPUS_SET_COMPLEXITY_REQUEST
	reqGetComplexity   = C.OPUS_GET_COMPLEXITY_REQUEST
	reqFEC             = C.OPUS_SET_INBAND_FEC_REQUEST
	reqLoss            = C.OPUS_SET_PACKET_LOSS_PERC_REQUEST
	reqDTX             = C.OPUS_SET_DTX_REQUEST
	reqMaxBandwidth    = C.OPUS_SET_MAX_BANDWIDTH_REQUEST
	reqGetLoss         = C.OPUS_GET_PACKET_LOSS_PERC_REQUEST
	reqGetMaxBandwidth = C.OPUS_GET_MAX_BANDWIDTH_REQUEST
	reqForceMode       = C.MEET_SET_FORCE_MODE_REQUEST
	modeAuto           = C.OPUS_AUTO
	modeCELT           = C.MEET_MODE_CELT_ONLY
)

func newCEncoder(rate, channels int) (*cEncoder, error) {
	size := C.opus_encoder_get_size(C.int(channels))
	if size <= 0 {
		return nil, fmt.Errorf("opus: no encoder for %d channels", channels)
	}
	e := &cEncoder{mem: make([]byte, size)}
	if rc := C.opus_encoder_init(e.st(), C.opus_int32(rate), C.int(channels), C.OPUS_APPLICATION_VOIP); rc != C.OPUS_OK {
		return nil, opusError(rc)
	}
	return e, nil
}

func (e *cEncoder) st() *C.OpusEncoder { return (*C.OpusEncoder)(unsafe.Pointer(&e.mem[0])) }

func (e *cEncoder) set(request C.int, v int) error {
	if rc := C.meet_enc_set(e.st(), request, C.opus_int32(v)); rc != C.OPUS_OK {
		return opusError(rc)
	}
	return nil
}

func (e *cEncoder) get(request C.int) (int, error) {
	var v C.opus_int32
	if rc := C.meet_enc_get(e.st(), request, &v); rc != C.OPUS_OK {
		return 0, opusError(rc)
	}
	return int(v), nil
}

func (e *cEncoder) reset() error {
	if rc := C.meet_enc_reset(e.st()); rc != C.OPUS_OK {
		return opusError(rc)
	}
	return nil
}

// encode codes pcm (whole frames, interleaved) into out and returns the
// packet's length.
func (e *cEncoder) encode(pcm []int16, channels int, out []byte) (int, error) {
	n := C.opus_encode(e.st(), (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)/channels),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.opus_int32(len(out)))
	if n < 0 {
		return 0, opusError(n)
	}
	return int(n), nil
}

func opusError(rc C.int) error { return fmt.Errorf("libopus: %s", C.GoString(C.opus_strerror(rc))) }

// boolInt is a boolean request's value: 1 for true, 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
