package maillage_test

import (
	"testing"

	"maillage/internal/maillage"
)

// The allowed moves are written here by hand, from the rules of issue 10
// (§2 and §3), not read from the machines: a claim waits and is granted
// (by a coordinator, an administrator or the proof link sent to the
// structure's address), refused or withdrawn; an invitation is accepted,
// declined, withdrawn or expires. Nothing leaves a decided state.
func TestMachinesEveryPair(t *testing.T) {
	type move struct{ from, to string }
	tests := []struct {
		machine maillage.Machine
		states  []string
		allowed map[move]bool
		final   []string
	}{
		{
			machine: maillage.ClaimMachine,
			states:  []string{"en_attente", "acceptee", "refusee", "annulee"},
			allowed: map[move]bool{
				{"en_attente", "acceptee"}: true,
				{"en_attente", "refusee"}:  true,
				{"en_attente", "annulee"}:  true,
			},
			final: []string{"acceptee", "refusee", "annulee"},
		},
		{
			machine: maillage.InvitationMachine,
			states:  []string{"envoyee", "acceptee", "refusee", "annulee", "expiree"},
			allowed: map[move]bool{
				{"envoyee", "acceptee"}: true,
				{"envoyee", "refusee"}:  true,
				{"envoyee", "annulee"}:  true,
				{"envoyee", "expiree"}:  true,
			},
			final: []string{"acceptee", "refusee", "annulee", "expiree"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.machine.Name, func(t *testing.T) {
			m := tt.machine
			if len(m.States) != len(tt.states) {
				t.Errorf("states %v, want %v", m.States, tt.states)
			}
			for i, s := range tt.states {
				if i >= len(m.States) || m.States[i] != s {
					t.Errorf("states %v, want %v", m.States, tt.states)
					break
				}
			}
			// Every pair of known states, plus an unknown and the empty
			// state on either side.
			all := append(append([]string{}, tt.states...), "", "inconnu")
			for _, from := range all {
				for _, to := range all {
					want := tt.allowed[move{from, to}]
					if got := m.Can(from, to); got != want {
						t.Errorf("Can(%q, %q) = %v, want %v", from, to, got, want)
					}
					err := m.Check(from, to)
					switch {
					case want && err != nil:
						t.Errorf("Check(%q, %q) = %v, want nil", from, to, err)
					case !want && maillage.ErrorCode(err) != maillage.ECONFLICT:
						t.Errorf("Check(%q, %q) = %v, want ECONFLICT", from, to, err)
					}
				}
			}
			for _, s := range tt.states {
				isFinal := false
				for _, f := range tt.final {
					isFinal = isFinal || f == s
				}
				if got := m.Final(s); got != isFinal {
					t.Errorf("Final(%q) = %v, want %v", s, got, isFinal)
				}
			}
		})
	}
}
