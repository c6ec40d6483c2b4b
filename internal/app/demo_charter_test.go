package app_test

import (
	"context"
	"os"
	"testing"
	"time"

	"maillage/internal/charter"
	"maillage/internal/demo"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestDemoCharter: the demo steps sign the charter for aidants of the demo
// network: signatures of both versions, one withdrawal, aidants still to
// sign the current version again, and a chain that holds.
func TestDemoCharter(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	n, err := demo.Load(ctx, postgres.NewDemoStore(a.DB), demo.Options{Seed: 7, People: 400, Structures: 60})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range a.DemoSteps() {
		if err := s.Load(ctx, n); err != nil {
			t.Fatalf("demo step %s: %v", s.Name, err)
		}
	}
	cur, err := a.Charter.Current(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[charter.SignatureStatus]int{}
	versions := map[int]int{}
	for _, p := range n.People {
		u, err := a.Users.FindUserByEmail(ctx, p.Email)
		if err != nil {
			t.Fatal(err)
		}
		st, err := a.Charter.Standing(ctx, u.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if st.Signed {
			counts[st.Status]++
			versions[st.Signature.Version]++
		}
	}
	t.Logf("demo signatures: %v, by version %v", counts, versions)
	if counts[charter.StatusSuperseded] == 0 || counts[charter.StatusValid] == 0 || counts[charter.StatusWithdrawn] != 1 {
		t.Errorf("statuses %v: want some valid, some to sign again, one withdrawn", counts)
	}
	if versions[cur.Number] == 0 || versions[cur.Number-1] == 0 {
		t.Errorf("versions signed %v: want both", versions)
	}
	if br, _, err := a.Charter.VerifyChain(ctx); err != nil || br != nil {
		t.Errorf("chain after the demo: %v %v", br, err)
	}
}
