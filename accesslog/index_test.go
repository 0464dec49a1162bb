package accesslog

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// sortPairs must order postings exactly as slices.Sort does, given what
// add produces: blocks non-decreasing, hashes anything (with repeats).
func TestSortPairsMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 255, 256, 1000, 100_000} {
		p := make([]uint64, n)
		blk := uint64(0)
		for i := range p {
			if r.IntN(50) == 0 {
				blk++
			}
			h := r.Uint32()
			if r.IntN(4) == 0 { // repeats: a hot client, a service per block
				h = uint32(r.IntN(16)) << 28
			}
			p[i] = uint64(h)<<32 | blk
		}
		want := slices.Clone(p)
		slices.Sort(want)
		if got := sortPairs(p); !slices.Equal(got, want) {
			t.Fatalf("n=%d: sortPairs differs from slices.Sort", n)
		}
	}
}

func BenchmarkSortPairs(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]uint64, 600_000) // a 128 MiB segment's postings
	for i := range src {
		src[i] = uint64(r.Uint32())<<32 | uint64(i/300)
	}
	p := make([]uint64, len(src))
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			copy(p, src)
			sortPairs(p)
		}
	})
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			copy(p, src)
			slices.Sort(p)
		}
	})
}

// escapeIn8 must agree with jsonSafe for every byte value at every
// position of a word otherwise plain (and mixed with its neighbours).
func TestEscapeIn8MatchesTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			for _, fill := range []byte{'a', 0x20, 0x7f, '0'} {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(c)
				x := uint64(0)
				for i := 7; i >= 0; i-- {
					x = x<<8 | uint64(w[i])
				}
				if got, want := escapeIn8(x), !jsonSafe[c]; got != want {
					t.Fatalf("byte %#x at %d (fill %q): escapeIn8 %v, table says escape %v", c, pos, fill, got, want)
				}
			}
		}
	}
}
