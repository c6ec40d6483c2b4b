package web

// Temporary shims while the web layer moves to the message catalogues and
// capability packages (removed by that change).

import "maillage/internal/maillage"

func invalidMap(m map[string]string) error {
	var ps maillage.Problems
	for k, v := range m {
		ps.Add(k, v)
	}
	return ps.Err()
}

func errorFields(err error) map[string]string {
	ps := maillage.ErrorProblems(err)
	if ps == nil {
		return nil
	}
	out := map[string]string{}
	for _, p := range ps {
		out[p.Field] = p.Key
	}
	return out
}

func errorMessage(err error) string { k, _ := maillage.ErrorKey(err); return k }

var (
	roleLabels          = map[maillage.Role]string{}
	kindLabels          = map[maillage.ProfileKind]string{}
	visLabels           = map[maillage.Visibility]string{}
	structureRoleLabels = map[maillage.StructureRole]string{}
	memberRoleLabels    = map[string]string{}
	searchTypeLabels    = map[string]string{}
	searchFacetLabels   = map[string]string{}
	searchTypes         = []string{maillage.SearchProfile, maillage.SearchStructure}
	searchFacets        = []string{}
)
