// Tiny C API over webrtc-audio-processing's noise suppression, for the
// evaluation only (built with the nseval tag).
#ifndef NSEVAL_WEBRTC_SHIM_H
#define NSEVAL_WEBRTC_SHIM_H
#ifdef __cplusplus
extern "C" {
#endif

typedef struct nseval_wap nseval_wap;

// nseval_wap_new returns a processor for 10 ms mono frames at rate Hz with
// only noise suppression on, at level 0 (low) .. 3 (very high); NULL on error.
nseval_wap* nseval_wap_new(int rate, int level);
// nseval_wap_process denoises rate/100 float samples in [-1, 1] in place;
// returns 0 or a webrtc error code.
int nseval_wap_process(nseval_wap* w, float* samples);
void nseval_wap_free(nseval_wap* w);

#ifdef __cplusplus
}
#endif
#endif
