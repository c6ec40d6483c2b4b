package mentoring

import (
	"bufio"
	"io"
	"strconv"
)

// WriteDIMACS writes the full candidate network of the instance in the
// DIMACS min-cost flow format, whatever Match prunes internally, so that
// any min-cost flow solver can be run on it: its optimal objective is
// Result.Objective.
//
// Nodes: mentee i of the instance is node i+1 (supply 1), mentor j is
// node len(Mentees)+j+1, the sink is the last node (supply −len(Mentees)).
// Arcs: every feasible mentee → mentor pair (capacity 1, cost as in
// Proposal), every mentee → sink (capacity 1, cost BigM: uncovered), and
// every mentor with places → sink (capacity = places, cost 0). Comment
// lines give BigM and the IDs of the nodes.
func WriteDIMACS(w io.Writer, in Instance, opt Options) error {
	n, err := prepare(&in, opt)
	if err != nil {
		return err
	}
	ne, nm := len(in.Mentees), len(in.Mentors)
	sink := ne + nm + 1
	pairs := 0
	for _, g := range n.groups {
		counts := make([]int, maxWorkers)
		bufs := make([]arcBuf, maxWorkers)
		parallel(len(g.ee), func(wk, lo, hi int) {
			for e := lo; e < hi; e++ {
				g.feasible(e, &bufs[wk])
				counts[wk] += len(bufs[wk].j)
			}
		})
		for _, c := range counts {
			pairs += c
		}
	}
	withPlaces := 0
	for _, m := range in.Mentors {
		if m.Capacity > 0 {
			withPlaces++
		}
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	put := func(parts ...any) {
		line = line[:0]
		for x, p := range parts {
			if x > 0 {
				line = append(line, ' ')
			}
			switch v := p.(type) {
			case string:
				line = append(line, v...)
			case int:
				line = strconv.AppendInt(line, int64(v), 10)
			case int64:
				line = strconv.AppendInt(line, v, 10)
			}
		}
		line = append(line, '\n')
		bw.Write(line)
	}
	put("c maillage mentoring: min-cost flow, mentees supply 1, uncovered arcs cost BigM")
	put("c bigm", n.bigM)
	put("c gap_weight", opt.GapWeight)
	put("c mentees", ne, "mentors", nm, "pairs", pairs)
	for i, e := range in.Mentees {
		put("c mentee", i+1, e.ID)
	}
	for j, m := range in.Mentors {
		put("c mentor", ne+j+1, m.ID)
	}
	put("c sink", sink)
	arc := func(u, v, capacity int, cost int64) {
		line = append(line[:0], 'a', ' ')
		line = strconv.AppendInt(line, int64(u), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(v), 10)
		line = append(line, " 0 "...)
		line = strconv.AppendInt(line, int64(capacity), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, cost, 10)
		line = append(line, '\n')
		bw.Write(line)
	}
	put("p min", sink, pairs+ne+withPlaces)
	for i := range in.Mentees {
		put("n", i+1, 1)
	}
	put("n", sink, -ne)
	var buf arcBuf
	for _, g := range n.groups {
		for e, i := range g.ee {
			g.feasible(e, &buf)
			for _, j := range buf.j {
				c, _ := g.cost(e, j, opt.GapWeight)
				arc(int(i)+1, ne+int(g.mm[j])+1, 1, c)
			}
		}
	}
	for i := range in.Mentees {
		arc(i+1, sink, 1, n.bigM)
	}
	for j, m := range in.Mentors {
		if m.Capacity > 0 {
			arc(ne+j+1, sink, m.Capacity, 0)
		}
	}
	return bw.Flush()
}
