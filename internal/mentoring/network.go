package mentoring

import (
	"math"
	"math/bits"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"maillage/internal/maillage"
)

// The candidate network is never built whole: the feasible mentors of a
// mentee are enumerated from a grid of the territory's mentors (cells of
// about cellKm, on latitude rows and longitude columns), and distances are
// compared as chords of the unit sphere (three multiplications) before the
// haversine distance is computed, only for the pairs that need it.

const cellKm = 12

// Margins of the chord comparisons: a squared chord within this relative
// band of a limit is decided by maillage.DistanceKm itself, so that every
// decision agrees with Evaluate.
const (
	bandRel = 1e-7
	bandAbs = 1e-18
)

// chordSq returns the squared chord of the unit sphere for a great-circle
// distance in km.
func chordSq(km float64) float64 {
	if km >= math.Pi*maillage.EarthRadiusKm {
		return 4
	}
	s := 2 * math.Sin(km/(2*maillage.EarthRadiusKm))
	return s * s
}

func unit(lat, lng float64) (x, y, z float64) {
	const rad = math.Pi / 180
	cl := math.Cos(lat * rad)
	return cl * math.Cos(lng*rad), cl * math.Sin(lng*rad), math.Sin(lat * rad)
}

// group is one territory, prepared for enumeration.
type group struct {
	key   string
	words int // uint64 words per competency mask

	// mentees, in instance order
	ee        []int32 // index in Instance.Mentees
	eLat      []float64
	eLng      []float64
	eX        []float64
	eY        []float64
	eZ        []float64
	eMax      []int     // MaxKm
	eLim2     []float64 // chordSq(MaxKm), -1 when no in-person
	eQueryKm  []float64 // radius of the grid query: min(MaxKm, largest mentor radius)
	eRemote   []bool
	eGaps     []uint64 // masks, words per mentee
	eGapN     []int
	eForbid   [][]int32 // sorted local mentor indices
	remoteAny bool      // some mentee and some mentor accept remote

	// mentors with places, sorted by grid cell
	mm      []int32 // index in Instance.Mentors
	mLat    []float64
	mLng    []float64
	mX      []float64
	mY      []float64
	mZ      []float64
	mRad    []int
	mLim2   []float64
	mRemote []bool
	mComp   []uint64
	mCap    []int32
	remote  []int32 // remote mentors, ascending

	g grid
}

// grid: cell = row*ncol + col, rows of hDeg latitude from lat0, columns of
// wDeg longitude from -180 (the columns go round the globe, so the
// antimeridian needs no care). Mentors are sorted by cell, so that a run of
// cells of a row is a contiguous range of mentor indices.
type grid struct {
	lat0, hDeg, wDeg float64
	nrow, ncol       int
	start            []int32 // len nrow*ncol+1
}

func (g *grid) cell(lat, lng float64) int {
	r := int((lat - g.lat0) / g.hDeg)
	r = max(0, min(g.nrow-1, r))
	c := int((lng + 180) / g.wDeg)
	c = ((c % g.ncol) + g.ncol) % g.ncol
	return r*g.ncol + c
}

// spans calls fn with every contiguous range of mentor indices that may
// hold a mentor within km of (lat, lng).
func (g *grid) spans(lat, lng, km float64, fn func(lo, hi int32)) {
	if g.nrow == 0 {
		return
	}
	const deg = 180 / math.Pi
	theta := km / maillage.EarthRadiusKm * (1 + 1e-9)
	if theta >= math.Pi {
		theta = math.Pi
	}
	dLat := theta*deg + 1e-9
	lo, hi := lat-dLat, lat+dLat
	r0 := int(math.Floor((lo - g.lat0) / g.hDeg))
	r1 := int(math.Floor((hi - g.lat0) / g.hDeg))
	r0, r1 = max(r0, 0), min(r1, g.nrow-1)
	if r0 > r1 {
		return
	}
	all := false
	ext := max(math.Abs(lo), math.Abs(hi))
	var dLng float64
	if ext >= 89.999999 {
		all = true
	} else {
		// |Δλ| ≤ 2 asin(sin(θ/2) / cos φ) for every point within θ whose
		// latitude φ is at most ext in absolute value.
		s := math.Sin(theta/2) / math.Cos(ext/deg)
		if s >= 1 {
			all = true
		} else {
			dLng = 2*math.Asin(s)*deg + 1e-9
			all = 2*dLng+g.wDeg >= 360
		}
	}
	c0, c1 := 0, g.ncol-1
	if !all {
		c0 = int(math.Floor((lng - dLng + 180) / g.wDeg))
		c1 = int(math.Floor((lng + dLng + 180) / g.wDeg))
		if c1-c0+1 >= g.ncol {
			c0, c1 = 0, g.ncol-1
		}
	}
	for r := r0; r <= r1; r++ {
		base := r * g.ncol
		a, b := c0, c1
		switch {
		case a < 0:
			fn(g.start[base+a+g.ncol], g.start[base+g.ncol])
			a = 0
		case b >= g.ncol:
			fn(g.start[base], g.start[base+b-g.ncol+1])
			b = g.ncol - 1
		}
		if lo, hi := g.start[base+a], g.start[base+b+1]; lo < hi {
			fn(lo, hi)
		}
	}
}

// network is an instance prepared for enumeration: the territories, and
// the cost of leaving a mentee uncovered.
type network struct {
	in     *Instance
	opt    Options
	groups []*group
	bigM   int64
}

// Problem keys of the errors of the matching (catalogue of the mentoring
// capability).
const (
	KeyDuplicateID    = "mentoring.match.duplicate_id"
	KeyBadCoordinates = "mentoring.match.bad_coordinates"
	KeyBadCapacity    = "mentoring.match.bad_capacity"
	KeyBadOption      = "mentoring.match.bad_option"
	KeyTooLarge       = "mentoring.match.too_large"
)

func validate(in *Instance, opt Options) error {
	var ps maillage.Problems
	if opt.GapWeight < 0 || opt.GapWeight > 1_000_000 {
		ps.Add("options.gap_weight", KeyBadOption, "Min", 0, "Max", 1_000_000)
	}
	if opt.Nearest < 0 {
		ps.Add("options.nearest", KeyBadOption, "Min", 0)
	}
	point := func(f string, lat, lng float64) {
		if !(lat >= -90 && lat <= 90) {
			ps.Add(f+"lat", KeyBadCoordinates)
		}
		if !(lng >= -180 && lng <= 180) {
			ps.Add(f+"lng", KeyBadCoordinates)
		}
	}
	seen := make(map[int64]bool, len(in.Mentees))
	for i, e := range in.Mentees {
		f := "mentees." + strconv.Itoa(i) + "."
		if seen[e.ID] {
			ps.Add(f+"id", KeyDuplicateID, "ID", e.ID)
		}
		seen[e.ID] = true
		point(f, e.Lat, e.Lng)
	}
	clear(seen)
	for i, m := range in.Mentors {
		f := "mentors." + strconv.Itoa(i) + "."
		if seen[m.ID] {
			ps.Add(f+"id", KeyDuplicateID, "ID", m.ID)
		}
		seen[m.ID] = true
		point(f, m.Lat, m.Lng)
		if m.Capacity < 0 || m.Capacity > 1_000_000 {
			ps.Add(f+"capacity", KeyBadCapacity, "Min", 0)
		}
	}
	return ps.Err()
}

// prepare validates the instance and groups it by territory.
func prepare(in *Instance, opt Options) (*network, error) {
	if err := validate(in, opt); err != nil {
		return nil, err
	}
	byKey := map[string]*group{}
	var keys []string
	get := func(k string) *group {
		g := byKey[k]
		if g == nil {
			g = &group{key: k}
			byKey[k] = g
			keys = append(keys, k)
		}
		return g
	}
	for i := range in.Mentees {
		g := get(in.Mentees[i].Territory)
		g.ee = append(g.ee, int32(i))
	}
	for i := range in.Mentors {
		if in.Mentors[i].Capacity > 0 {
			g := get(in.Mentors[i].Territory)
			g.mm = append(g.mm, int32(i))
		}
	}
	sort.Strings(keys)
	n := &network{in: in, opt: opt}
	var costBound int64
	for _, k := range keys {
		g := byKey[k]
		if len(g.ee) == 0 || len(g.mm) == 0 {
			continue // nothing to match: its mentees stay uncovered
		}
		b := g.build(in)
		costBound = max(costBound, b.km+opt.GapWeight*int64(b.gaps))
		n.groups = append(n.groups, g)
	}
	// M > mentees × the largest cost of a pair: covering one more mentee
	// always wins. Potentials and objectives stay below mentees² × M.
	mentees := int64(len(in.Mentees))
	if float64(mentees+1)*float64(mentees+1)*float64(costBound+1) > 1e17 {
		return nil, maillage.Errorf(maillage.EINVALID, KeyTooLarge, "Mentees", len(in.Mentees))
	}
	n.bigM = mentees*costBound + 1
	return n, nil
}

// bound is a group's bound on the cost of a pair: every feasible distance
// is at most km, every mentee has at most gaps gaps.
type bound struct {
	km   int64
	gaps int
}

func (g *group) build(in *Instance) bound {
	// competency codes that are someone's gap
	codes := map[string]int{}
	for _, i := range g.ee {
		for _, c := range in.Mentees[i].Gaps {
			if _, ok := codes[c]; !ok {
				codes[c] = len(codes)
			}
		}
	}
	g.words = max(1, (len(codes)+63)/64)
	w := g.words

	// mentors, sorted by cell
	latMin, latMax := 90.0, -90.0
	maxRad := 0
	for _, j := range g.mm {
		m := &in.Mentors[j]
		latMin, latMax = min(latMin, m.Lat), max(latMax, m.Lat)
		maxRad = max(maxRad, m.RadiusKm)
	}
	g.g = newGrid(latMin, latMax)
	cells := make([]int, len(in.Mentors))
	for _, j := range g.mm {
		cells[j] = g.g.cell(in.Mentors[j].Lat, in.Mentors[j].Lng)
	}
	sort.SliceStable(g.mm, func(a, b int) bool { return cells[g.mm[a]] < cells[g.mm[b]] })
	nm := len(g.mm)
	g.g.start = make([]int32, g.g.nrow*g.g.ncol+1)
	for _, j := range g.mm {
		g.g.start[cells[j]+1]++
	}
	for c := 1; c < len(g.g.start); c++ {
		g.g.start[c] += g.g.start[c-1]
	}
	g.mLat, g.mLng = make([]float64, nm), make([]float64, nm)
	g.mX, g.mY, g.mZ = make([]float64, nm), make([]float64, nm), make([]float64, nm)
	g.mRad, g.mLim2 = make([]int, nm), make([]float64, nm)
	g.mRemote, g.mCap = make([]bool, nm), make([]int32, nm)
	g.mComp = make([]uint64, nm*w)
	local := make(map[int64]int32, nm)
	anyRemoteMentor := false
	for l, j := range g.mm {
		m := &in.Mentors[j]
		local[m.ID] = int32(l)
		g.mLat[l], g.mLng[l] = m.Lat, m.Lng
		g.mX[l], g.mY[l], g.mZ[l] = unit(m.Lat, m.Lng)
		g.mRad[l] = m.RadiusKm
		g.mLim2[l] = -1
		if m.RadiusKm > 0 {
			g.mLim2[l] = chordSq(float64(m.RadiusKm))
		}
		g.mRemote[l] = m.Remote
		if m.Remote {
			g.remote = append(g.remote, int32(l))
			anyRemoteMentor = true
		}
		g.mCap[l] = int32(m.Capacity)
		for _, c := range m.Competences {
			if b, ok := codes[c]; ok {
				g.mComp[l*w+b/64] |= 1 << (b % 64)
			}
		}
	}

	ne := len(g.ee)
	g.eLat, g.eLng = make([]float64, ne), make([]float64, ne)
	g.eX, g.eY, g.eZ = make([]float64, ne), make([]float64, ne), make([]float64, ne)
	g.eMax, g.eLim2, g.eQueryKm = make([]int, ne), make([]float64, ne), make([]float64, ne)
	g.eRemote, g.eGapN = make([]bool, ne), make([]int, ne)
	g.eGaps = make([]uint64, ne*w)
	g.eForbid = make([][]int32, ne)
	var b bound
	anyRemoteMentee := false
	for l, i := range g.ee {
		e := &in.Mentees[i]
		g.eLat[l], g.eLng[l] = e.Lat, e.Lng
		g.eX[l], g.eY[l], g.eZ[l] = unit(e.Lat, e.Lng)
		g.eMax[l] = e.MaxKm
		g.eLim2[l] = -1
		if e.MaxKm > 0 && maxRad > 0 {
			g.eLim2[l] = chordSq(float64(e.MaxKm))
			g.eQueryKm[l] = float64(min(e.MaxKm, maxRad))
			b.km = max(b.km, int64(min(e.MaxKm, maxRad))+1)
		}
		g.eRemote[l] = e.Remote
		anyRemoteMentee = anyRemoteMentee || e.Remote
		for _, c := range e.Gaps {
			bit := codes[c]
			g.eGaps[l*w+bit/64] |= 1 << (bit % 64)
		}
		for k := 0; k < w; k++ {
			g.eGapN[l] += bits.OnesCount64(g.eGaps[l*w+k])
		}
		b.gaps = max(b.gaps, g.eGapN[l])
		if j, ok := local[e.ID]; ok { // oneself
			g.eForbid[l] = append(g.eForbid[l], j)
		}
	}
	if len(in.Forbidden) > 0 {
		menteeLocal := make(map[int64]int32, ne)
		for l, i := range g.ee {
			menteeLocal[in.Mentees[i].ID] = int32(l)
		}
		for _, p := range in.Forbidden {
			e, ok1 := menteeLocal[p.MenteeID]
			m, ok2 := local[p.MentorID]
			if ok1 && ok2 {
				g.eForbid[e] = append(g.eForbid[e], m)
			}
		}
	}
	for l := range g.eForbid {
		if len(g.eForbid[l]) > 1 {
			sortInt32(g.eForbid[l])
		}
	}
	g.remoteAny = anyRemoteMentee && anyRemoteMentor
	if g.remoteAny {
		// every point is within r0 of the first mentor, so every pair
		// within 2 r0 (triangle inequality)
		r0 := 0.0
		for l := range g.mLat {
			r0 = max(r0, maillage.DistanceKm(g.mLat[0], g.mLng[0], g.mLat[l], g.mLng[l]))
		}
		for l := range g.eLat {
			r0 = max(r0, maillage.DistanceKm(g.mLat[0], g.mLng[0], g.eLat[l], g.eLng[l]))
		}
		b.km = max(b.km, int64(math.Ceil(min(2*r0, math.Pi*maillage.EarthRadiusKm)))+1)
	}
	return b
}

func sortInt32(s []int32) { sort.Slice(s, func(a, b int) bool { return s[a] < s[b] }) }

func newGrid(latMin, latMax float64) grid {
	const deg = 180 / math.Pi
	h := cellKm / maillage.EarthRadiusKm * deg
	for (latMax-latMin)/h > 4000 {
		h *= 2
	}
	mid := (latMin + latMax) / 2
	wantW := h / max(math.Cos(mid/deg), 0.05)
	ncol := int(math.Ceil(360 / min(wantW, 360)))
	for ncol*int((latMax-latMin)/h+1) > 4_000_000 && ncol > 1 {
		ncol /= 2
	}
	return grid{lat0: latMin, hDeg: h, wDeg: 360 / float64(ncol), nrow: int((latMax-latMin)/h) + 1, ncol: ncol}
}

// arcBuf receives the feasible mentors of one mentee: local index and
// squared chord.
type arcBuf struct {
	j  []int32
	c2 []float64
}

func (b *arcBuf) reset() { b.j, b.c2 = b.j[:0], b.c2[:0] }

// feasible appends to buf every mentor that may mentor mentee e (local
// index), forbidden pairs excluded. The decisions are those of Evaluate.
func (g *group) feasible(e int, buf *arcBuf) {
	buf.reset()
	ex, ey, ez := g.eX[e], g.eY[e], g.eZ[e]
	remote := g.eRemote[e] && len(g.remote) > 0
	if remote {
		for _, j := range g.remote {
			dx, dy, dz := g.mX[j]-ex, g.mY[j]-ey, g.mZ[j]-ez
			buf.j = append(buf.j, j)
			buf.c2 = append(buf.c2, dx*dx+dy*dy+dz*dz)
		}
	}
	if lim := g.eLim2[e]; lim > 0 && g.eQueryKm[e] > 0 {
		mX, mY, mZ, mLim2, mRemote := g.mX, g.mY, g.mZ, g.mLim2, g.mRemote
		g.g.spans(g.eLat[e], g.eLng[e], g.eQueryKm[e], func(lo, hi int32) {
			for j := lo; j < hi; j++ {
				dx, dy, dz := mX[j]-ex, mY[j]-ey, mZ[j]-ez
				c2 := dx*dx + dy*dy + dz*dz
				l2 := min(lim, mLim2[j])
				if c2 > l2*(1+bandRel)+bandAbs || (remote && mRemote[j]) {
					continue
				}
				if c2 >= l2*(1-bandRel)-bandAbs {
					d := maillage.DistanceKm(g.eLat[e], g.eLng[e], g.mLat[j], g.mLng[j])
					if d > float64(min(g.eMax[e], g.mRad[j])) {
						continue
					}
				}
				buf.j = append(buf.j, j)
				buf.c2 = append(buf.c2, c2)
			}
		})
	}
	if f := g.eForbid[e]; len(f) > 0 {
		k := 0
		for x, j := range buf.j {
			if !containsInt32(f, j) {
				buf.j[k], buf.c2[k] = j, buf.c2[x]
				k++
			}
		}
		buf.j, buf.c2 = buf.j[:k], buf.c2[:k]
	}
}

func containsInt32(s []int32, v int32) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i] >= v })
	return i < len(s) && s[i] == v
}

// uncovered returns how many of mentee e's gaps mentor j does not cover.
func (g *group) uncovered(e int, j int32) int {
	w := g.words
	n := g.eGapN[e]
	for k := 0; k < w; k++ {
		n -= bits.OnesCount64(g.eGaps[e*w+k] & g.mComp[int(j)*w+k])
	}
	return n
}

// cost is the exact cost of a feasible arc, and its distance.
func (g *group) cost(e int, j int32, gapWeight int64) (int64, float64) {
	d := maillage.DistanceKm(g.eLat[e], g.eLng[e], g.mLat[j], g.mLng[j])
	return roundKm(d) + gapWeight*int64(g.uncovered(e, j)), d
}

// costLow is a lower bound of cost from the squared chord: the arc is at
// least R × chord long.
func (g *group) costLow(e int, j int32, c2 float64, gapWeight int64) int64 {
	d := maillage.EarthRadiusKm*math.Sqrt(c2)*(1-1e-9) - 1e-9
	return int64(math.Floor(max(d, 0)+0.5)) + gapWeight*int64(g.uncovered(e, j))
}

// maxWorkers bounds the goroutines of parallel (worker ids are below it).
const maxWorkers = 64

// parallel runs fn(worker, lo, hi) over [0, n) in chunks, on every core.
func parallel(n int, fn func(w, lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64), maxWorkers)
	if workers <= 1 {
		fn(0, 0, n)
		return
	}
	const chunk = 64
	var next int64
	var mu sync.Mutex
	take := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		lo := int(next)
		next += chunk
		return lo, min(n, lo+chunk)
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				lo, hi := take()
				if lo >= n {
					return
				}
				fn(w, lo, hi)
			}
		}(w)
	}
	wg.Wait()
}
