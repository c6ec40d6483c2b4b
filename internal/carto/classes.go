package carto

import (
	"math"
	"slices"
)

// Classes sorts the départements' values into len(Palette) classes for a
// choropleth map (Map.Classes): with breaks (ascending upper bounds of
// every class but the last), a value v is in the first class whose bound
// is ≥ v; without, the classes are quantiles of the values given. NaN
// values are left out (drawn plain).
func Classes(values map[string]float64, breaks []float64) map[string]int {
	out := map[string]int{}
	if breaks == nil {
		breaks = Quantiles(values, len(Palette))
	}
	for code, v := range values {
		if math.IsNaN(v) {
			continue
		}
		k := len(breaks)
		for i, b := range breaks {
			if v <= b {
				k = i
				break
			}
		}
		out[code] = min(k, len(Palette)-1)
	}
	return out
}

// Quantiles returns the n-1 upper bounds that split values into n classes
// of about the same size.
func Quantiles(values map[string]float64, n int) []float64 {
	var vs []float64
	for _, v := range values {
		if !math.IsNaN(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 || n < 2 {
		return nil
	}
	slices.Sort(vs)
	var out []float64
	for i := 1; i < n; i++ {
		out = append(out, vs[(len(vs)*i-1)/n])
	}
	return out
}

// Choropleth draws France with its départements coloured by value (a
// coverage map: département code → value), in len(Palette) classes
// bounded by breaks (nil: quantiles). It returns the drawing and the
// breaks used, for the caller's legend (class i holds the values up to
// breaks[i], the last class the rest; Palette[i] is its colour).
func (a *Atlas) Choropleth(title, desc string, values map[string]float64, breaks []float64) (*Drawing, []float64, error) {
	if breaks == nil {
		breaks = Quantiles(values, len(Palette))
	}
	d, err := a.Draw(Map{Scope: France(), ID: "choroplethe", Title: title, Desc: desc, Classes: Classes(values, breaks)})
	return d, breaks, err
}
