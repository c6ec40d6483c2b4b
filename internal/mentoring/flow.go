package mentoring

import (
	"math"
	"math/bits"
)

// solver is the min-cost flow of one territory by successive shortest
// paths with potentials.
//
// Nodes: mentees 0..n1-1, mentors n1..n1+n2-1, the sink t = n1+n2. A
// mentee with one unit not yet routed (asg = unrouted) is an excess; a
// mentor that received fewer units than it sends to the sink (out > in),
// and the sink while it lacks units (tDef > 0), are deficits. Each search
// is a Dijkstra from one excess on reduced costs
//
//	rc(u, v) = c(u, v) + pot[u] − pot[v] ≥ 0   (every residual arc)
//
// stopped at the first deficit it settles; the potentials of the settled
// nodes then become pot[v] −= D − d(v) (D the deficit's distance), which
// keeps every reduced cost non-negative and makes the path's arcs tight.
// An excess mentee has no residual arc entering it, so its potential is
// first raised until its cheapest arc is tight: most mentees are then
// routed by a path of length zero without any search.
type solver struct {
	n1, n2 int
	t      int32
	bigM   int64

	// mentee → mentor arcs (CSR)
	start []int32
	to    []int32
	cost  []int64

	asg     []int32 // mentor of a mentee, or unrouted / uncovered
	asgCost []int64
	in, out []int32 // units received from mentees, sent to the sink
	cap     []int32
	slot0   []int32 // mentees of mentor j: slots[slot0[j] : slot0[j]+in[j]]
	slots   []int32
	pot     []int64
	tDef    int

	// search scratch
	node     []nodeState
	iter     int32
	heap     radixHeap
	settled  []int32
	searches int
}

// nodeState is a node's label in the current search.
type nodeState struct {
	dist int64 // valid when seen == iter
	cost int64 // cost of the arc from pred
	pred int32
	seen int32
	done int32 // settled when done == iter
}

const (
	unrouted  = -1
	uncovered = -2
)

func newSolver(n1, n2 int, caps []int32, bigM int64) *solver {
	nn := n1 + n2 + 1
	s := &solver{
		n1: n1, n2: n2, t: int32(n1 + n2), bigM: bigM,
		asg: make([]int32, n1), asgCost: make([]int64, n1),
		in: make([]int32, n2), out: make([]int32, n2), cap: caps,
		slot0: make([]int32, n2+1),
		pot:   make([]int64, nn),
		node:  make([]nodeState, nn),
		tDef:  n1,
	}
	for i := range s.asg {
		s.asg[i] = unrouted
	}
	for j := 0; j < n2; j++ {
		s.slot0[j+1] = s.slot0[j] + caps[j]
	}
	s.slots = make([]int32, s.slot0[n2])
	return s
}

// setArcs installs the mentee → mentor arcs (CSR by mentee).
func (s *solver) setArcs(start, to []int32, cost []int64) {
	s.start, s.to, s.cost = start, to, cost
}

// solve routes every excess mentee, in order.
func (s *solver) solve(order []int32) {
	for _, u := range order {
		s.route(u)
	}
}

// unroute takes mentee u's unit back (its mentor, or the sink, is left
// with a deficit) so that it can be routed again on new arcs.
func (s *solver) unroute(u int32) {
	switch j := s.asg[u]; {
	case j >= 0:
		s.removeSlot(j, u)
		s.in[j]--
	case j == uncovered:
		s.tDef++
	}
	s.asg[u] = unrouted
}

func (s *solver) addSlot(j, u int32) {
	s.slots[s.slot0[j]+s.in[j]] = u
	s.in[j]++
}

func (s *solver) removeSlot(j, u int32) {
	lo, n := s.slot0[j], s.in[j]
	for k := lo; k < lo+n; k++ {
		if s.slots[k] == u {
			s.slots[k] = s.slots[lo+n-1]
			return
		}
	}
	panic("mentoring: mentee not among its mentor's")
}

func (s *solver) route(u int32) {
	n1 := int32(s.n1)
	// raise the potential of u until its cheapest arc is tight
	best, bestA := s.pot[s.t]-s.bigM, int32(-1)
	for a := s.start[u]; a < s.start[u+1]; a++ {
		if v := s.pot[n1+s.to[a]] - s.cost[a]; v > best {
			best, bestA = v, a
		}
	}
	s.pot[u] = best
	// a path of length zero needs no search
	if bestA >= 0 {
		j := s.to[bestA]
		if s.out[j] > s.in[j] {
			s.asg[u], s.asgCost[u] = j, s.cost[bestA]
			s.addSlot(j, u)
			return
		}
		if s.tDef > 0 && s.out[j] < s.cap[j] && s.pot[n1+j] == s.pot[s.t] {
			s.asg[u], s.asgCost[u] = j, s.cost[bestA]
			s.addSlot(j, u)
			s.out[j]++
			s.tDef--
			return
		}
	} else if s.tDef > 0 {
		s.asg[u] = uncovered
		s.tDef--
		return
	}
	s.search(u)
}

func (s *solver) isDeficit(v int32) bool {
	if v == s.t {
		return s.tDef > 0
	}
	if v >= int32(s.n1) {
		j := v - int32(s.n1)
		return s.out[j] > s.in[j]
	}
	return false
}

func (s *solver) relax(w int32, nd int64, from int32, c int64) {
	x := &s.node[w]
	if x.seen == s.iter && (nd >= x.dist || x.done == s.iter) {
		return
	}
	x.seen, x.dist, x.pred, x.cost = s.iter, nd, from, c
	s.heap.push(nd, w)
}

func (s *solver) search(src int32) {
	s.searches++
	s.iter++
	s.heap.reset()
	s.settled = s.settled[:0]
	n1 := int32(s.n1)
	t := s.t
	pot := s.pot
	s.node[src].seen, s.node[src].dist = s.iter, 0
	s.heap.push(0, src)
	target := int32(-1)
	var D int64
	for s.heap.n > 0 {
		d, v := s.heap.pop()
		x := &s.node[v]
		if x.done == s.iter || d > x.dist {
			continue
		}
		x.done = s.iter
		s.settled = append(s.settled, v)
		if s.isDeficit(v) {
			target, D = v, d
			break
		}
		pv := pot[v]
		switch {
		case v < n1: // mentee: to its other mentors, or uncovered
			cur := s.asg[v]
			for a := s.start[v]; a < s.start[v+1]; a++ {
				j := s.to[a]
				if j == cur {
					continue
				}
				w := n1 + j
				s.relax(w, d+s.cost[a]+pv-pot[w], v, s.cost[a])
			}
			if cur != uncovered {
				s.relax(t, d+s.bigM+pv-pot[t], v, s.bigM)
			}
		case v < t: // mentor: back from its mentees, or to the sink
			j := v - n1
			lo := s.slot0[j]
			for k := lo; k < lo+s.in[j]; k++ {
				u := s.slots[k]
				s.relax(u, d-(s.asgCost[u]+pot[u]-pv), v, 0)
			}
			if s.out[j] < s.cap[j] {
				s.relax(t, d+pv-pot[t], v, 0)
			}
		default: // the sink, not a deficit: back to mentors and uncovered mentees
			for j := int32(0); j < int32(s.n2); j++ {
				if s.out[j] > 0 {
					s.relax(n1+j, d+pv-pot[n1+j], v, 0)
				}
			}
			for u := int32(0); u < n1; u++ {
				if s.asg[u] == uncovered {
					s.relax(u, d-(s.bigM+pot[u]-pv), v, 0)
				}
			}
		}
	}
	if target < 0 {
		panic("mentoring: no deficit reachable") // the sink always is
	}
	for _, v := range s.settled {
		pot[v] -= D - s.node[v].dist
	}
	// augment, from the deficit back to the source
	for v := target; v != src; {
		p := s.node[v].pred
		switch {
		case v == t && p < n1:
			s.asg[p] = uncovered
		case v == t:
			s.out[p-n1]++
		case p == t && v >= n1:
			s.out[v-n1]--
		case p == t:
			// v leaves the uncovered arc; its next arc gave it a mentor
		case p < n1:
			j := v - n1
			s.asg[p], s.asgCost[p] = j, s.node[v].cost
			s.addSlot(j, p)
		default:
			s.removeSlot(p-n1, v)
			s.in[p-n1]--
		}
		v = p
	}
	if target == t {
		s.tDef--
	}
}

// radixHeap is a monotone priority queue of int64 keys (Dijkstra never
// pushes a key below the last one popped): bucket b holds the keys whose
// highest bit differing from the last popped key is bit b−1.
type radixHeap struct {
	last    int64
	n       int
	buckets [65][]heapItem
}

type heapItem struct {
	d int64
	v int32
}

func (h *radixHeap) reset() {
	for b := range h.buckets {
		h.buckets[b] = h.buckets[b][:0]
	}
	h.last, h.n = math.MinInt64, 0
}

func (h *radixHeap) bucket(d int64) int {
	return bits.Len64(uint64(d) ^ uint64(h.last))
}

func (h *radixHeap) push(d int64, v int32) {
	if h.n == 0 && h.last == math.MinInt64 {
		h.last = d
	}
	b := h.bucket(d)
	h.buckets[b] = append(h.buckets[b], heapItem{d, v})
	h.n++
}

func (h *radixHeap) pop() (int64, int32) {
	if len(h.buckets[0]) == 0 {
		b := 1
		for len(h.buckets[b]) == 0 {
			b++
		}
		items := h.buckets[b]
		low := items[0].d
		for _, it := range items[1:] {
			low = min(low, it.d)
		}
		h.last = low
		for _, it := range items {
			nb := h.bucket(it.d)
			h.buckets[nb] = append(h.buckets[nb], it)
		}
		h.buckets[b] = items[:0]
	}
	b0 := h.buckets[0]
	it := b0[len(b0)-1]
	h.buckets[0] = b0[:len(b0)-1]
	h.n--
	return it.d, it.v
}

// tighten lowers each mentor's potential and raises each mentee's as far
// as the residual arcs allow: the flow stays optimal for the same network,
// and the dropped arcs (mentee → mentor) get reduced costs as large as
// these potentials can give, so that fewer of them need adding back.
func (s *solver) tighten() {
	n1 := int32(s.n1)
	for j := int32(0); j < int32(s.n2); j++ {
		low := int64(math.MinInt64)
		if s.out[j] < s.cap[j] {
			low = s.pot[s.t]
		}
		lo := s.slot0[j]
		for k := lo; k < lo+s.in[j]; k++ {
			u := s.slots[k]
			low = max(low, s.asgCost[u]+s.pot[u])
		}
		if low != math.MinInt64 && low < s.pot[n1+j] {
			s.pot[n1+j] = low
		}
	}
	for u := int32(0); u < n1; u++ {
		switch j := s.asg[u]; {
		case j >= 0:
			s.pot[u] = s.pot[n1+j] - s.asgCost[u]
		case j == uncovered:
			s.pot[u] = s.pot[s.t] - s.bigM
		}
	}
}
