package maillage

import "slices"

// Machine is a state machine of the portal as data: its states and, for
// each, the states it may move to. Can is the pure transition function;
// storage checks it inside the transaction that moves, and records the
// transition with its actor, time and motivation.
type Machine struct {
	Name   string // entity name ("structure_claim")
	States []string
	Next   map[string][]string
}

// Can reports whether a thing in state from may move to state to.
func (m Machine) Can(from, to string) bool { return slices.Contains(m.Next[from], to) }

// Final reports whether no transition leaves state s.
func (m Machine) Final(s string) bool { return len(m.Next[s]) == 0 }

// Check returns an ECONFLICT error naming both states when the move is not
// allowed (the thing changed meanwhile, or the request is replayed).
func (m Machine) Check(from, to string) error {
	if m.Can(from, to) {
		return nil
	}
	return Errorf(ECONFLICT, "error.transition", "From", from, "To", to)
}

// Transition is one recorded move of a state machine.
type Transition struct {
	From       string
	To         string
	ActorID    *int64
	Motivation string
}
