//go:build nseval

#include "webrtc_shim.h"

#include <webrtc/modules/audio_processing/include/audio_processing.h>

struct nseval_wap {
  webrtc::AudioProcessing* apm;
  webrtc::StreamConfig config;
};

extern "C" nseval_wap* nseval_wap_new(int rate, int level) {
  if (level < 0 || level > 3) return nullptr;
  webrtc::Config cfg;
  webrtc::AudioProcessing* apm = webrtc::AudioProcessing::Create(cfg);
  if (apm == nullptr) return nullptr;
  webrtc::ProcessingConfig pc = {{webrtc::StreamConfig(rate, 1), webrtc::StreamConfig(rate, 1),
                                  webrtc::StreamConfig(rate, 1), webrtc::StreamConfig(rate, 1)}};
  if (apm->Initialize(pc) != webrtc::AudioProcessing::kNoError ||
      apm->noise_suppression()->set_level(static_cast<webrtc::NoiseSuppression::Level>(level)) != 0 ||
      apm->noise_suppression()->Enable(true) != 0) {
    delete apm;
    return nullptr;
  }
  return new nseval_wap{apm, webrtc::StreamConfig(rate, 1)};
}

extern "C" int nseval_wap_process(nseval_wap* w, float* samples) {
  const float* src[1] = {samples};
  float* dst[1] = {samples};
  return w->apm->ProcessStream(src, w->config, w->config, dst);
}

extern "C" void nseval_wap_free(nseval_wap* w) {
  if (w == nullptr) return;
  delete w->apm;
  delete w;
}
