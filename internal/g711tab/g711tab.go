// Package g711tab encodes G.711 by table lookup: the same bytes as
// github.com/zaf/g711, whose per-sample arithmetic (a leading-zeros count
// and shifts) cost meetd about 1.5 % of its CPU at 200 calls, the
// trunk's encode of every caller-bound frame.
//
// μ-law depends only on a sample's top 14 bits and A-law on its top 12
// (the encoders shift the low bits out; their sign flip commutes with the
// arithmetic shift), so the tables hold 16 KiB and 4 KiB, built once from
// zaf/g711 itself.
package g711tab

import "github.com/zaf/g711"

var (
	ulaw [1 << 14]uint8
	alaw [1 << 12]uint8
)

func init() {
	for i := range ulaw {
		ulaw[i] = g711.EncodeUlawFrame(int16(uint16(i) << 2))
	}
	for i := range alaw {
		alaw[i] = g711.EncodeAlawFrame(int16(uint16(i) << 4))
	}
}

// Ulaw is g711.EncodeUlawFrame(v).
func Ulaw(v int16) uint8 { return ulaw[uint16(v)>>2] }

// Alaw is g711.EncodeAlawFrame(v).
func Alaw(v int16) uint8 { return alaw[uint16(v)>>4] }

// EncodeUlaw writes μ-law of src to dst[:len(src)].
func EncodeUlaw(dst []byte, src []int16) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = ulaw[uint16(v)>>2]
	}
}

// EncodeAlaw writes A-law of src to dst[:len(src)].
func EncodeAlaw(dst []byte, src []int16) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = alaw[uint16(v)>>4]
	}
}
