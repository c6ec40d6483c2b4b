package mentoring

import (
	"math"
	"sort"
)

// Network is an instance ready to be solved: territories, grids and the
// pruned candidate arcs. Build it with Build, then call Solve (Match does
// both).
type Network struct {
	n     *network
	parts []*part
	arcs  int
}

type part struct {
	g     *group
	full  bool // every feasible arc is kept: nothing to prove
	start []int32
	to    []int32
	cost  []int64
	low   []int64 // per mentee, a lower bound of the cost of its dropped arcs
}

// Match returns the optimal matching of the instance: the largest number
// of mentees covered, and among such matchings the smallest total cost.
//
// Each territory is solved separately. Unless opt.Nearest is 0, each
// mentee first keeps only its opt.Nearest cheapest feasible arcs; the
// pruned network is solved, then the reduced cost of every dropped arc of
// the full network is checked against the final potentials (by mentee
// when a bound settles all its dropped arcs at once, arc by arc
// otherwise: see certify). An arc of negative reduced cost would mean the
// pruned optimum might not be the full one, so those arcs are added back
// and the network is solved again from the current flow, until no dropped
// arc has a negative reduced cost. The potentials then prove the flow
// optimal on the full network (reduced-cost optimality).
func Match(in Instance, opt Options) (*Result, error) {
	nw, err := Build(in, opt)
	if err != nil {
		return nil, err
	}
	return nw.Solve(), nil
}

// Build validates the instance and prepares it: territories, grids of
// mentors, and the candidate arcs of each mentee (all of them counted,
// the opt.Nearest cheapest kept).
func Build(in Instance, opt Options) (*Network, error) {
	n, err := prepare(&in, opt)
	if err != nil {
		return nil, err
	}
	nw := &Network{n: n}
	for _, g := range n.groups {
		p, arcs := g.candidates(opt)
		nw.parts = append(nw.parts, p)
		nw.arcs += arcs
	}
	return nw, nil
}

// candidates enumerates the feasible arcs of every mentee and keeps the k
// cheapest (every one when k is 0), by a lower bound of their cost (ties
// broken by a hash of the pair, so that mentees at the same distance of
// many equal mentors do not all keep the same ones). low[e] is then a
// lower bound of the cost of every arc mentee e dropped.
func (g *group) candidates(opt Options) (*part, int) {
	ne := len(g.ee)
	k := opt.Nearest
	full := k == 0
	counts := make([]int32, ne)
	total := make([]int, maxWorkers)
	var perMentee [][]int32
	var fixedTo []int32
	p := &part{g: g, full: full, start: make([]int32, ne+1)}
	if full {
		perMentee = make([][]int32, ne)
	} else {
		fixedTo = make([]int32, ne*k)
		p.low = make([]int64, ne)
	}
	bufs := make([]arcBuf, maxWorkers)
	keys := make([][]uint64, maxWorkers)
	allKeys := make([][]uint64, maxWorkers)
	parallel(ne, func(w, lo, hi int) {
		buf := &bufs[w]
		for e := lo; e < hi; e++ {
			g.feasible(e, buf)
			total[w] += len(buf.j)
			if full {
				perMentee[e] = append([]int32(nil), buf.j...)
				counts[e] = int32(len(buf.j))
				continue
			}
			// the k smallest keys (lower bound, hash), by insertion
			ks, all := keys[w][:0], allKeys[w][:0]
			for x, j := range buf.j {
				key := uint64(min(g.costLow(e, j, buf.c2[x], opt.GapWeight), math.MaxInt32))<<32 | uint64(pairHash(e, j))
				all = append(all, key)
				n := len(ks)
				if n == k && key >= ks[n-1] {
					continue
				}
				if n < k {
					ks = append(ks, 0)
					n++
				}
				q := n - 1
				for q > 0 && ks[q-1] > key {
					ks[q] = ks[q-1]
					q--
				}
				ks[q] = key
			}
			// the mentors of the kept keys
			kept := 0
			for x, j := range buf.j {
				if key := all[x]; kept < k && len(ks) > 0 && key <= ks[len(ks)-1] { // (a hash collision could tie)
					fixedTo[e*k+kept] = j
					kept++
				}
			}
			counts[e] = int32(kept)
			p.low[e] = math.MaxInt64 // nothing dropped
			if len(buf.j) > kept {
				p.low[e] = int64(ks[len(ks)-1] >> 32)
			}
			keys[w], allKeys[w] = ks, all
		}
	})
	for e := 0; e < ne; e++ {
		p.start[e+1] = p.start[e] + counts[e]
	}
	m := p.start[ne]
	p.to, p.cost = make([]int32, m), make([]int64, m)
	parallel(ne, func(_, lo, hi int) {
		for e := lo; e < hi; e++ {
			s := p.start[e]
			if full {
				copy(p.to[s:], perMentee[e])
			} else {
				copy(p.to[s:s+counts[e]], fixedTo[e*k:])
			}
			for a := s; a < p.start[e+1]; a++ {
				p.cost[a], _ = g.cost(e, p.to[a], opt.GapWeight)
			}
		}
	})
	arcs := 0
	for _, t := range total {
		arcs += t
	}
	return p, arcs
}

// pairHash mixes a mentee and a mentor index (splitmix64 finaliser).
func pairHash(e int, j int32) uint32 {
	z := uint64(e)<<32 | uint64(uint32(j))
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return uint32(z ^ z>>31)
}

// Solve computes the optimal matching (see Match).
func (nw *Network) Solve() *Result {
	res := &Result{BigM: nw.n.bigM}
	res.Stats.Arcs = nw.arcs
	type placed struct {
		p  *part
		sv *solver
		e  int
	}
	where := make([]placed, len(nw.n.in.Mentees))
	for i := range where {
		where[i].e = -1
	}
	for _, p := range nw.parts {
		sv := nw.solvePart(p, &res.Stats)
		for l, i := range p.g.ee {
			where[i] = placed{p, sv, l}
		}
	}
	w := nw.n.opt.GapWeight
	for i := range nw.n.in.Mentees {
		pl := where[i]
		if pl.e < 0 || pl.sv.asg[pl.e] < 0 {
			res.Uncovered = append(res.Uncovered, nw.n.in.Mentees[i].ID)
			continue
		}
		j := pl.sv.asg[pl.e]
		pr := pl.p.g.proposal(nw.n.in, pl.e, j, w)
		pr.Cost = pl.sv.asgCost[pl.e]
		pr.PlacesLeft = int(pl.sv.cap[j] - pl.sv.in[j])
		res.add(pr)
	}
	res.finish()
	return res
}

func (r *Result) add(p Proposal) {
	r.Proposals = append(r.Proposals, p)
	r.Cost += p.Cost
	r.DistanceKm += p.DistanceKm
}

func (r *Result) finish() {
	r.Covered = len(r.Proposals)
	r.Objective = r.Cost + r.BigM*int64(len(r.Uncovered))
}

// proposal describes the pair (mentee e, mentor j) of a group.
func (g *group) proposal(in *Instance, e int, j int32, gapWeight int64) Proposal {
	c, d := g.cost(e, j, gapWeight)
	un := g.uncovered(e, j)
	inPerson := g.eMax[e] > 0 && g.mRad[j] > 0 && d <= float64(min(g.eMax[e], g.mRad[j]))
	return Proposal{
		MenteeID: in.Mentees[g.ee[e]].ID, MentorID: in.Mentors[g.mm[j]].ID,
		DistanceKm: d, Cost: c, Gaps: g.eGapN[e], GapsCovered: g.eGapN[e] - un,
		Remote: !inPerson, PlacesLeft: int(g.mCap[j]),
	}
}

func (nw *Network) solvePart(p *part, st *Stats) *solver {
	g := p.g
	n1, n2 := len(g.ee), len(g.mm)
	sv := newSolver(n1, n2, append([]int32(nil), g.mCap...), nw.n.bigM)
	sv.setArcs(p.start, p.to, p.cost)
	order := make([]int32, n1)
	for i := range order {
		order[i] = int32(i)
	}
	sv.solve(order)
	st.Rounds++
	for !p.full {
		sv.tighten()
		neg := nw.certify(p, sv, st)
		if len(neg) == 0 {
			break
		}
		st.Added += len(neg)
		p.addArcs(neg)
		sv.setArcs(p.start, p.to, p.cost)
		order = order[:0]
		for x, a := range neg {
			if x == 0 || a.e != neg[x-1].e {
				order = append(order, a.e)
			}
		}
		for _, e := range order {
			sv.unroute(e)
		}
		sv.solve(order)
		st.Rounds++
	}
	st.Kept += len(p.to)
	st.Searches += sv.searches
	return sv
}

type newArc struct {
	e, j int32
	c    int64
}

// certify checks the reduced cost of every dropped arc against the
// solver's potentials and returns those that are negative, by mentee.
//
// Every mentor's potential is at most pmax, and every dropped arc of
// mentee e costs at least low[e]: when low[e] + pot[e] − pmax ≥ 0, every
// dropped arc of e has a non-negative reduced cost at once (most mentees).
// Otherwise each feasible arc of e is checked, by a lower bound of its cost
// from the chord first, by its exact cost when the bound does not settle it.
func (nw *Network) certify(p *part, sv *solver, st *Stats) []newArc {
	g := p.g
	w := nw.n.opt.GapWeight
	n1 := int32(len(g.ee))
	pot := sv.pot
	pmax := int64(math.MinInt64)
	for j := n1; j < n1+int32(len(g.mm)); j++ {
		pmax = max(pmax, pot[j])
	}
	bufs := make([]arcBuf, maxWorkers)
	found := make([][]newArc, maxWorkers)
	one := make([]int, maxWorkers)
	parallel(len(g.ee), func(wk, lo, hi int) {
		buf := &bufs[wk]
		for e := lo; e < hi; e++ {
			pe := pot[e]
			if p.low[e] == math.MaxInt64 || p.low[e]+pe-pmax >= 0 {
				continue
			}
			g.feasible(e, buf)
			one[wk] += len(buf.j)
			for x, j := range buf.j {
				pj := pot[n1+j]
				if g.costLow(e, j, buf.c2[x], w)+pe-pj >= 0 {
					continue
				}
				if c, _ := g.cost(e, j, w); c+pe-pj < 0 {
					found[wk] = append(found[wk], newArc{int32(e), j, c})
				}
			}
		}
	})
	for _, n := range one {
		st.Checked += n
	}
	var neg []newArc
	for _, f := range found {
		neg = append(neg, f...)
	}
	sort.Slice(neg, func(a, b int) bool {
		if neg[a].e != neg[b].e {
			return neg[a].e < neg[b].e
		}
		return neg[a].j < neg[b].j
	})
	return neg
}

// addArcs merges new arcs (sorted by mentee) into the part's CSR.
func (p *part) addArcs(neg []newArc) {
	ne := len(p.start) - 1
	start := make([]int32, ne+1)
	to := make([]int32, 0, len(p.to)+len(neg))
	cost := make([]int64, 0, len(p.to)+len(neg))
	x := 0
	for e := 0; e < ne; e++ {
		to = append(to, p.to[p.start[e]:p.start[e+1]]...)
		cost = append(cost, p.cost[p.start[e]:p.start[e+1]]...)
		for x < len(neg) && int(neg[x].e) == e {
			to = append(to, neg[x].j)
			cost = append(cost, neg[x].c)
			x++
		}
		start[e+1] = int32(len(to))
	}
	p.start, p.to, p.cost = start, to, cost
}

// Greedy is the baseline the matching is compared with: each mentee in
// turn, in instance order, takes the nearest feasible mentor that still
// has a place.
func Greedy(in Instance, opt Options) (*Result, error) {
	n, err := prepare(&in, opt)
	if err != nil {
		return nil, err
	}
	res := &Result{BigM: n.bigM}
	type choice struct {
		g *group
		e int
		j int32
	}
	chosen := make([]choice, len(in.Mentees))
	for i := range chosen {
		chosen[i].j = -1
	}
	left := map[*group][]int32{}
	var buf arcBuf
	for _, g := range n.groups {
		rem := append([]int32(nil), g.mCap...)
		left[g] = rem
		for e := range g.ee {
			g.feasible(e, &buf)
			res.Stats.Arcs += len(buf.j)
			best, bestC2 := int32(-1), math.Inf(1)
			for x, j := range buf.j {
				if rem[j] > 0 && (buf.c2[x] < bestC2 || buf.c2[x] == bestC2 && j < best) {
					best, bestC2 = j, buf.c2[x]
				}
			}
			if best >= 0 {
				rem[best]--
				chosen[g.ee[e]] = choice{g, e, best}
			}
		}
	}
	for i, c := range chosen {
		if c.j < 0 {
			res.Uncovered = append(res.Uncovered, in.Mentees[i].ID)
			continue
		}
		pr := c.g.proposal(&in, c.e, c.j, opt.GapWeight)
		pr.PlacesLeft = int(left[c.g][c.j])
		res.add(pr)
	}
	res.finish()
	return res, nil
}
