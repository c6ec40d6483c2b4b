package search_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var userSeq atomic.Int64

// person creates an account and saves its profile through ProfileService.
func person(t *testing.T, a *app.App, u maillage.ProfileUpdate) *maillage.Profile {
	t.Helper()
	ctx := context.Background()
	out, err := a.Users.SignInEmail(ctx, fmt.Sprintf("personne-%d-%d@exemple.fr", time.Now().UnixNano(), userSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Profiles.SaveProfile(ctx, out.User.ID, u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// public makes every field public (the profile itself included).
func public() map[string]maillage.Visibility {
	vis := map[string]maillage.Visibility{}
	for _, f := range maillage.ProfileFields {
		vis[f] = maillage.VisPublic
	}
	return vis
}

// synced waits until the outbox is applied to the indexes.
func synced(t *testing.T, a *app.App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

func titles(res *maillage.SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Title)
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
