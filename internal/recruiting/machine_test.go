package recruiting_test

import (
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// walk checks a machine over every pair of its states against the moves
// the product allows, written out here independently of the machine.
func walk(t *testing.T, m maillage.Machine, allowed map[[2]string]bool, finals []string) {
	t.Helper()
	n := 0
	for _, from := range m.States {
		for _, to := range m.States {
			want := allowed[[2]string{from, to}]
			if got := m.Can(from, to); got != want {
				t.Errorf("%s: %s → %s allowed=%v, want %v", m.Name, from, to, got, want)
			}
			err := m.Check(from, to)
			if want != (err == nil) {
				t.Errorf("%s: Check(%s, %s) = %v", m.Name, from, to, err)
			}
			if err != nil && maillage.ErrorCode(err) != maillage.ECONFLICT {
				t.Errorf("%s: Check(%s, %s) code %s, want conflict", m.Name, from, to, maillage.ErrorCode(err))
			}
			if want {
				n++
			}
		}
	}
	if n != len(allowed) {
		t.Errorf("%s: %d moves allowed among its states, the table lists %d (a state outside States?)", m.Name, n, len(allowed))
	}
	for _, s := range m.States {
		final := false
		for _, f := range finals {
			final = final || f == s
		}
		if m.Final(s) != final {
			t.Errorf("%s: Final(%s) = %v, want %v", m.Name, s, m.Final(s), final)
		}
	}
}

func TestOfferMachine(t *testing.T) {
	walk(t, recruiting.OfferMachine, map[[2]string]bool{
		{"brouillon", "publiee"}: true,
		{"publiee", "pourvue"}:   true,
		{"publiee", "fermee"}:    true,
		{"publiee", "expiree"}:   true,
	}, []string{"pourvue", "fermee", "expiree"})
}

func TestApplicationMachine(t *testing.T) {
	walk(t, recruiting.ApplicationMachine, map[[2]string]bool{
		{"envoyee", "vue"}:           true,
		{"envoyee", "non_retenue"}:   true,
		{"envoyee", "retiree"}:       true,
		{"vue", "entretien"}:         true,
		{"vue", "retenue"}:           true,
		{"vue", "non_retenue"}:       true,
		{"vue", "retiree"}:           true,
		{"entretien", "retenue"}:     true,
		{"entretien", "non_retenue"}: true,
		{"entretien", "retiree"}:     true,
	}, []string{"retenue", "non_retenue", "retiree"})
}

func TestContactMachine(t *testing.T) {
	walk(t, recruiting.ContactMachine, map[[2]string]bool{
		{"envoyee", "acceptee"}: true,
		{"envoyee", "refusee"}:  true,
	}, []string{"acceptee", "refusee"})
}

// TestCanMove: the candidate only withdraws; employers do everything else;
// nobody moves an application back to « envoyée ».
func TestCanMove(t *testing.T) {
	for _, to := range recruiting.ApplicationMachine.States {
		for _, side := range []struct {
			name                string
			employer, candidate bool
		}{{"employer", true, false}, {"candidate", false, true}, {"both", true, true}, {"neither", false, false}} {
			want := false
			switch to {
			case recruiting.ApplicationWithdrawn:
				want = side.candidate
			case recruiting.ApplicationSent:
			default:
				want = side.employer
			}
			if got := recruiting.CanMove(to, side.employer, side.candidate); got != want {
				t.Errorf("CanMove(%s) as %s = %v, want %v", to, side.name, got, want)
			}
		}
	}
	if got := recruiting.EmployerMoves(recruiting.ApplicationSeen); len(got) != 3 || got[0] != recruiting.ApplicationInterview {
		t.Errorf("employer moves from vue: %v", got)
	}
	if got := recruiting.EmployerMoves(recruiting.ApplicationHired); len(got) != 0 {
		t.Errorf("employer moves from retenue: %v", got)
	}
}
