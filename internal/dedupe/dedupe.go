// Package dedupe keeps the first of equal values in linear time.
//
// Feeds repeat categories, authors and enclosures, and a hostile feed may
// give one item 100,000 of them: a list searched for each new value made
// that quadratic (10.8 s to normalise one such item; the database writer,
// which holds every other write meanwhile, must not do the same with its
// tag rows).
package dedupe

// small is how many values Seen keeps in an array, searched, before it
// builds a map: an item's few categories need no map, nor any allocation.
const small = 16

// Seen is a set of the values added so far; the zero Seen is empty.
type Seen[K comparable] struct {
	n   int
	arr [small]K
	set map[K]struct{}
}

// Add adds k and reports whether it is new.
func (s *Seen[K]) Add(k K) bool {
	if s.set != nil {
		if _, ok := s.set[k]; ok {
			return false
		}
		s.set[k] = struct{}{}
		return true
	}
	for _, x := range s.arr[:s.n] {
		if x == k {
			return false
		}
	}
	if s.n < small {
		s.arr[s.n] = k
		s.n++
		return true
	}
	s.set = make(map[K]struct{}, 4*small)
	for _, x := range s.arr {
		s.set[x] = struct{}{}
	}
	s.set[k] = struct{}{}
	return true
}
