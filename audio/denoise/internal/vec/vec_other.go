//go:build !amd64

package vec

func mulVec(x, w []float32) int                 { return 0 }
func mulToVec(dst, a, b []float32) int          { return 0 }
func scaleVec(x []float32, s float32) int       { return 0 }
func scaleBinsVec(X []complex64, s float32) int { return 0 }
func mulBinsVec(X []complex64, g []float32) int { return 0 }
func conjScaleVec(X []complex64, s float32) int { return 0 }
func finiteVec(dst, src []float32) int          { return 0 }

func addScaleClampVec(dst, a, b []float32, s float32) int { return 0 }

func mixClampVec(out, r, d, o []float32, b, mu float32) int { return 0 }
