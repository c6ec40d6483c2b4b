package app

import (
	"context"
	"fmt"

	"maillage/internal/demo"
	"maillage/internal/mentoring"
	"maillage/internal/postgres"
)

// DemoStep is one capability's demonstration data (pairings, offers,
// signatures…), loaded on top of the demo network right after it is
// written. A step finds the demo people by their e-mail addresses in n and
// writes through its capability's services, so that the demo goes through
// the same rules, outbox and transitions as real use.
type DemoStep struct {
	Name string
	Load func(ctx context.Context, n *demo.Network) error
}

// DemoSteps lists the capabilities' demo steps in loading order. A new
// capability with demo data adds one line here.
func (a *App) DemoSteps() []DemoStep {
	return []DemoStep{
		{Name: "labels", Load: func(ctx context.Context, n *demo.Network) error { return a.Labels.LoadDemo(ctx, n, a.Users) }},
		{Name: "mentoring", Load: mentoring.DemoDeps{At: a.Mentoring.At, Users: a.Users, Profiles: a.Profiles}.Load},
		{Name: "training", Load: a.Training.LoadDemo},
		{Name: "charter", Load: a.demoCharter},
		{Name: "recruiting", Load: a.loadRecruitingDemo},
	}
}

// LoadDemo writes the demo network (seed) and then every capability's
// step. With ifEmpty it does nothing (and returns nil) when the database
// already holds profiles; without, a database that holds some is refused
// (ECONFLICT).
func (a *App) LoadDemo(ctx context.Context, seed uint64, ifEmpty bool) (*demo.Network, error) {
	store := postgres.NewDemoStore(a.DB)
	opt := demo.Options{Seed: seed}
	var n *demo.Network
	var err error
	if ifEmpty {
		n, err = demo.LoadIfEmpty(ctx, store, opt)
	} else {
		n, err = demo.Load(ctx, store, opt)
	}
	if err != nil || n == nil {
		return n, err
	}
	for _, s := range a.DemoSteps() {
		if err := s.Load(ctx, n); err != nil {
			return n, fmt.Errorf("demo %s: %w", s.Name, err)
		}
	}
	return n, nil
}
