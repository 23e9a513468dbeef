package classifier

// The phrase index: open-addressing hash tables built once by Compile and
// read by every Classify. They replace Go maps on the hot path: the token's
// hash is computed right after folding, while its bytes are in cache, and a
// lookup is one probe sequence in a flat array plus, on a hit, one byte
// comparison.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashString is FNV-1a, the hash tokenize computes for each folded word.
func hashString[S string | []byte](s S) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// vocabTable maps folded phrase words to word ids.
type vocabTable struct {
	slots []vslot
	mask  uint64
	arena []byte // the words, back to back
}

type vslot struct {
	h      uint64
	off, n uint32
	id1    int32 // word id + 1; 0 marks an empty slot
}

func tableSize(n int) int {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return size
}

func newVocabTable(words map[string]int32) vocabTable {
	t := vocabTable{slots: make([]vslot, tableSize(len(words)))}
	t.mask = uint64(len(t.slots) - 1)
	for w, id := range words {
		h := hashString(w)
		i := h & t.mask
		for t.slots[i].id1 != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = vslot{h: h, off: uint32(len(t.arena)), n: uint32(len(w)), id1: id + 1}
		t.arena = append(t.arena, w...)
	}
	return t
}

// lookup returns the id of the folded word w with hash h, or -1.
func (t *vocabTable) lookup(h uint64, w []byte) int32 {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.id1 == 0 {
			return -1
		}
		if s.h == h && int(s.n) == len(w) && string(t.arena[s.off:s.off+s.n]) == string(w) {
			return s.id1 - 1
		}
	}
}

// pairTable maps the ids of a phrase's first two words to the phrases of
// two or more words that start with them.
type pairTable struct {
	slots []pslot
	mask  uint64
	ids   []int32 // phrase ids, each slot's run back to back
	// bloom has one bit per hash value (taken from the hash's high bits);
	// it is small enough to stay in cache and rules out most pairs of
	// words that start no phrase before the table is touched.
	bloom     []uint64
	bloomMask uint64
}

type pslot struct {
	key    uint64
	off, n int32 // n == 0 marks an empty slot
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func pairHash(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> 20 }

func newPairTable(pairs map[uint64][]int32) pairTable {
	t := pairTable{slots: make([]pslot, tableSize(len(pairs)))}
	t.mask = uint64(len(t.slots) - 1)
	bits := 8 * tableSize(len(pairs)) // about 16 bits per pair: few false positives
	t.bloom = make([]uint64, bits/64)
	t.bloomMask = uint64(bits - 1)
	for k, ids := range pairs {
		b := bloomBit(k) & t.bloomMask
		t.bloom[b/64] |= 1 << (b % 64)
		i := pairHash(k) & t.mask
		for t.slots[i].n != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = pslot{key: k, off: int32(len(t.ids)), n: int32(len(ids))}
		t.ids = append(t.ids, ids...)
	}
	return t
}

func bloomBit(k uint64) uint64 { return (k * 0xD6E8FEB86659FD93) >> 32 }

func (t *pairTable) lookup(k uint64) []int32 {
	if b := bloomBit(k) & t.bloomMask; t.bloom[b/64]&(1<<(b%64)) == 0 {
		return nil
	}
	for i := pairHash(k) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.n == 0 {
			return nil
		}
		if s.key == k {
			return t.ids[s.off : s.off+s.n]
		}
	}
}
