//go:build !amd64

package denoise

// omlsaGainsVec does no cells here: omlsaGain does them all.
func omlsaGainsVec(*state) int { return 0 }

// trackNoiseVec does no cells here: trackNoise's loop does them all.
func trackNoiseVec(*state) int { return 0 }

// omlsaSNRVec does no cells here: omlsa's first loop does them all.
func omlsaSNRVec(*state) int { return 0 }

// localVec does no cells here.
func localVec(*state) int { return 0 }

// interpolateVec does no bins here.
func interpolateVec(*state) int { return 0 }
