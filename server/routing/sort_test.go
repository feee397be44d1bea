package routing

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestSortKeysMatchesSlicesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := map[string]func(i, n int) key{
		"random": func(i, n int) key {
			return key{order: uint64(rng.IntN(3))<<60 | uint64(rng.IntN(5)), idle: int64(rng.IntN(50)), id: int64(rng.IntN(n + 1))}
		},
		"sorted":   func(i, n int) key { return key{idle: int64(i), id: int64(i)} },
		"reversed": func(i, n int) key { return key{idle: int64(n - i), id: int64(i)} },
		"equal":    func(i, n int) key { return key{order: 1 << 60, idle: 5, id: 9} },
		"organ":    func(i, n int) key { return key{idle: int64(min(i, n-i)), id: int64(i)} },
	}
	for name, gen := range shapes {
		for _, n := range []int{0, 1, 2, 12, 13, 50, 1000, 5000} {
			k := make([]key, n)
			for i := range k {
				k[i] = gen(i, n)
			}
			want := slices.Clone(k)
			slices.SortFunc(want, func(a, b key) int {
				switch {
				case a.less(&b):
					return -1
				case b.less(&a):
					return 1
				}
				return 0
			})
			sortKeys(k)
			if !slices.Equal(k, want) {
				t.Fatalf("%s n=%d: sortKeys differs from slices.SortFunc", name, n)
			}
		}
	}
}

func TestUnorderedKeepsRingAndReasons(t *testing.T) {
	for _, auto := range []bool{false, true} {
		for _, n := range []int{0, 1, 7, 300} {
			t.Run(fmt.Sprintf("auto=%v/n=%d", auto, n), func(t *testing.T) {
				in := benchInput(n, auto)
				ordered, err := Decide(in)
				if err != nil {
					t.Fatal(err)
				}
				in.Unordered = true
				un, err := Decide(in)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(slices.Sorted(slices.Values(un.Eligible)), slices.Sorted(slices.Values(ordered.Eligible))) {
					t.Fatalf("eligible sets differ: %v vs %v", un.Eligible, ordered.Eligible)
				}
				if !slices.Equal(un.NotEligible, ordered.NotEligible) {
					t.Fatal("reasons differ")
				}
				if auto && !slices.Equal(un.Ring, ordered.Ring) {
					t.Fatalf("one-at-a-time ring %v, want %v", un.Ring, ordered.Ring)
				}
				if !auto && len(un.Ring) != len(ordered.Ring) {
					t.Fatalf("ring-all rings %d, want %d", len(un.Ring), len(ordered.Ring))
				}
			})
		}
	}
}

// BenchmarkDecide1000Unordered is a decision for callers that need reasons
// or whom to ring but not the ring order (Input.Unordered).
func BenchmarkDecide1000Unordered(b *testing.B) {
	for _, auto := range []bool{false, true} {
		b.Run(fmt.Sprintf("auto=%v", auto), func(b *testing.B) {
			in := benchInput(1000, auto)
			in.Unordered = true
			in.Location, _ = time.LoadLocation(in.Channel.Timezone)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Decide(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
