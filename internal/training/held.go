package training

import (
	"slices"

	"maillage/internal/maillage"
)

// HeldBlocs returns the blocs a person holds as a path counts them, from
// their profile:
//   - certified: a title held whole (every bloc of the certification) or a
//     bloc held on its own (profile titles);
//   - validated: a bloc whose competencies (as the referential lists them)
//     were all validated by a mentor on the profile — a bloc without listed
//     competencies cannot be validated that way.
//
// Declared competencies never count. Codes are those of the referential.
func HeldBlocs(titles []maillage.ProfileTitle, comps []maillage.ProfileCompetence, ix *CertIndex) []HeldBloc {
	var out []HeldBloc
	seen := map[string]int{}
	add := func(code string, ev maillage.EvidenceKind) {
		if i, ok := seen[code]; ok {
			if ev == maillage.EvidenceCertified {
				out[i].Evidence = ev
			}
			return
		}
		seen[code] = len(out)
		out = append(out, HeldBloc{Code: code, Evidence: ev})
	}
	for _, t := range titles {
		if t.BlocCode != "" {
			code := t.BlocCode
			if b := ix.Bloc(code); b != nil {
				code = b.Code
			}
			add(code, maillage.EvidenceCertified)
			continue
		}
		if c := ix.Certification(t.CertificationCode); c != nil {
			for _, b := range c.Blocs {
				add(b.Code, maillage.EvidenceCertified)
			}
		}
	}
	validated := map[string]bool{}
	for _, c := range comps {
		if c.Evidence == maillage.EvidenceValidated {
			validated[c.Code] = true
		}
	}
	if len(validated) > 0 && ix != nil {
		for _, c := range ix.Certifications() {
			for _, b := range c.Blocs {
				if len(b.Competences) == 0 || slices.ContainsFunc(b.Competences, func(code string) bool { return !validated[code] }) {
					continue
				}
				add(b.Code, maillage.EvidenceValidated)
			}
		}
	}
	return out
}
