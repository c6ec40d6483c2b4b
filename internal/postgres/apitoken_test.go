package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

func TestAPITokenLifecycle(t *testing.T) {
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	users := postgres.NewUserService(db)
	tokens := postgres.NewAPITokenService(db)
	out, err := users.SignInEmail(ctx, "jeton-stockage@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	uid := out.User.ID

	for _, name := range []string{"", "   ", strings.Repeat("x", 81)} {
		if _, _, err := tokens.CreateAPIToken(ctx, uid, maillage.APITokenInput{Name: name, Days: 90}, "127.0.0.1"); !maillage.ErrorProblems(err).Has("name") {
			t.Errorf("name %q: err = %v, want a message on the name field", name, err)
		}
	}

	tok, secret, err := tokens.CreateAPIToken(ctx, uid, maillage.APITokenInput{Name: " export nocturne ", Days: 90}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "export nocturne" || !strings.HasPrefix(secret, maillage.APITokenPrefix) || len(secret) < 40 {
		t.Fatalf("token %+v, secret %q", tok, secret)
	}
	// Only the hash is stored.
	var stored string
	if err := db.NewRaw("SELECT token_hash FROM api_tokens WHERE id = ?", tok.ID).Scan(ctx, &stored); err != nil {
		t.Fatal(err)
	}
	if stored != maillage.HashToken(secret) || strings.Contains(stored, secret) {
		t.Errorf("stored %q, want the SHA-256 of the secret", stored)
	}

	got, err := tokens.AuthenticateAPIToken(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.UserID != uid || got.LastUsedAt == nil {
		t.Errorf("authenticated %+v, want token %d of user %d with last_used_at", got, tok.ID, uid)
	}
	for _, bad := range []string{"", "mlg_inconnu", secret + "x", strings.TrimPrefix(secret, maillage.APITokenPrefix)} {
		if _, err := tokens.AuthenticateAPIToken(ctx, bad); maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
			t.Errorf("secret %q: err = %v, want unauthorized", bad, err)
		}
	}

	// Another person cannot revoke it.
	other, err := users.SignInEmail(ctx, "jeton-autre@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := tokens.RevokeAPIToken(ctx, other.User.ID, tok.ID, ""); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("revoke by another: err = %v, want not_found", err)
	}
	if err := tokens.RevokeAPIToken(ctx, uid, tok.ID, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := tokens.RevokeAPIToken(ctx, uid, tok.ID, "127.0.0.1"); maillage.ErrorCode(err) != maillage.ENOTFOUND {
		t.Errorf("second revoke: err = %v, want not_found", err)
	}
	if _, err := tokens.AuthenticateAPIToken(ctx, secret); maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
		t.Errorf("revoked token: err = %v, want unauthorized", err)
	}
	list, err := tokens.FindAPITokens(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Active(time.Now()) {
		t.Errorf("list = %+v, want one revoked token", list)
	}

	audit, err := users.FindAudit(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range audit {
		if e.ActorID != nil && *e.ActorID == uid {
			seen[e.Action] = true
		}
	}
	if !seen["api_token.created"] || !seen["api_token.revoked"] {
		t.Errorf("audit actions %v, want api_token.created and api_token.revoked", seen)
	}

	// A deleted account's tokens stop working.
	_, secret2, err := tokens.CreateAPIToken(ctx, other.User.ID, maillage.APITokenInput{Name: "avant suppression", Days: 90}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.DeleteUser(ctx, other.User.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.AuthenticateAPIToken(ctx, secret2); maillage.ErrorCode(err) != maillage.EUNAUTHORIZED {
		t.Errorf("token of a deleted account: err = %v, want unauthorized", err)
	}
}

func TestAPITokenLimit(t *testing.T) {
	db := testenv.Get(t).DB(t)
	ctx := context.Background()
	out, err := postgres.NewUserService(db).SignInEmail(ctx, "jeton-limite@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	tokens := postgres.NewAPITokenService(db)
	var last *maillage.APIToken
	for i := 0; i < maillage.MaxAPITokens; i++ {
		if last, _, err = tokens.CreateAPIToken(ctx, out.User.ID, maillage.APITokenInput{Name: "jeton", Days: 90}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := tokens.CreateAPIToken(ctx, out.User.ID, maillage.APITokenInput{Name: "un de trop", Days: 90}, ""); !maillage.ErrorProblems(err).Has("name") {
		t.Fatalf("token %d: err = %v, want refused on the name field", maillage.MaxAPITokens+1, err)
	}
	if err := tokens.RevokeAPIToken(ctx, out.User.ID, last.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tokens.CreateAPIToken(ctx, out.User.ID, maillage.APITokenInput{Name: "après révocation", Days: 90}, ""); err != nil {
		t.Errorf("after a revocation: %v", err)
	}
}
