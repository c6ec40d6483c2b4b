package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"maillage/internal/maillage"
	"maillage/internal/postgres"
	"maillage/internal/testenv"
)

// uniq returns a short random lower-case suffix, so every test builds its
// own rows in the package database.
func uniq() string { return strings.ToLower(rand.Text()[:10]) }

// newUser signs a fresh address in by e-mail: a verified account with an
// `email` identity.
func newUser(t *testing.T, users *postgres.UserService, prefix string) *maillage.User {
	t.Helper()
	out, err := users.SignInEmail(context.Background(), prefix+"-"+uniq()+"@exemple.fr")
	if err != nil {
		t.Fatal(err)
	}
	return out.User
}

// count runs a SELECT count(*) … query.
func count(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// auditLine is what a test checks of an audit entry.
type auditLine struct {
	ActorID  int64
	Action   string
	TargetID int64
}

// auditOf returns the audit entries about target, oldest first.
func auditOf(t *testing.T, db *postgres.DB, target int64) []auditLine {
	t.Helper()
	var out []auditLine
	err := db.NewRaw(`SELECT coalesce(actor_id, 0) AS actor_id, action, coalesce(target_id, 0) AS target_id
		FROM audit_log WHERE target_id = ? ORDER BY id`, target).Scan(context.Background(), &out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := maillage.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

func TestSignInExternal(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()

	email := "camille-" + uniq() + "@exemple.fr"
	gh := maillage.ExternalIdentity{Provider: "github", Subject: "gh-" + uniq(), Email: " " + strings.ToUpper(email), EmailVerified: true, Name: " Camille Martin "}
	first, err := users.SignInExternal(ctx, gh)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.PendingLink {
		t.Fatalf("first sign-in: Created=%v PendingLink=%v, want a new account", first.Created, first.PendingLink)
	}
	want := &maillage.User{ID: first.User.ID, Email: email, EmailVerified: true, DisplayName: "Camille Martin", Grants: []maillage.RoleGrant{}}
	if diff := cmp.Diff(want, first.User, cmpopts.IgnoreFields(maillage.User{}, "CreatedAt", "UpdatedAt")); diff != "" {
		t.Fatalf("created user (-want +got):\n%s", diff)
	}

	again, err := users.SignInExternal(ctx, gh)
	if err != nil {
		t.Fatal(err)
	}
	if again.User.ID != first.User.ID || again.Created || again.PendingLink {
		t.Fatalf("second sign-in: user %d Created=%v PendingLink=%v, want user %d, not created", again.User.ID, again.Created, again.PendingLink, first.User.ID)
	}
	if n := count(t, db, "SELECT count(*) FROM users WHERE email = ?", email); n != 1 {
		t.Fatalf("%d users with %s, want 1", n, email)
	}
	if n := count(t, db, "SELECT count(*) FROM identities WHERE provider = ? AND subject = ?", gh.Provider, gh.Subject); n != 1 {
		t.Fatalf("%d identities for %s/%s, want 1", n, gh.Provider, gh.Subject)
	}
	if got := auditOf(t, db, first.User.ID); !cmp.Equal(got, []auditLine{{first.User.ID, "account.created", first.User.ID}}) {
		t.Fatalf("audit of the new account: %+v", got)
	}

	t.Run("verified e-mail of an existing account waits for the owner", func(t *testing.T) {
		oidc := maillage.ExternalIdentity{Provider: "oidc", Subject: "pc-" + uniq(), Email: email, EmailVerified: true}
		usersBefore := count(t, db, "SELECT count(*) FROM users")
		out, err := users.SignInExternal(ctx, oidc)
		if err != nil {
			t.Fatal(err)
		}
		if !out.PendingLink || out.Created || out.User.ID != first.User.ID {
			t.Fatalf("got PendingLink=%v Created=%v user %d, want a pending link to user %d", out.PendingLink, out.Created, out.User.ID, first.User.ID)
		}
		if n := count(t, db, "SELECT count(*) FROM users"); n != usersBefore {
			t.Fatalf("%d users, want %d (no new account)", n, usersBefore)
		}
		if n := count(t, db, "SELECT count(*) FROM identities WHERE provider = ? AND subject = ?", oidc.Provider, oidc.Subject); n != 0 {
			t.Fatalf("identity linked without confirmation")
		}
		links, err := users.FindPendingLinks(ctx, strings.ToUpper(email))
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != 1 || links[0].Provider != "oidc" || links[0].Subject != oidc.Subject || links[0].Email != email {
			t.Fatalf("pending links %+v, want one for oidc/%s", links, oidc.Subject)
		}
	})

	tests := []struct {
		name string
		id   maillage.ExternalIdentity
		code string
	}{
		{"unverified e-mail of an existing account", maillage.ExternalIdentity{Provider: "google", Subject: "g-" + uniq(), Email: email}, maillage.ECONFLICT},
		{"missing subject", maillage.ExternalIdentity{Provider: "github", Email: "x-" + uniq() + "@exemple.fr", EmailVerified: true}, maillage.EINVALID},
		{"missing provider", maillage.ExternalIdentity{Subject: "s-" + uniq(), Email: "x-" + uniq() + "@exemple.fr", EmailVerified: true}, maillage.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			usersBefore := count(t, db, "SELECT count(*) FROM users")
			_, err := users.SignInExternal(ctx, tt.id)
			wantCode(t, err, tt.code)
			if n := count(t, db, "SELECT count(*) FROM users"); n != usersBefore {
				t.Fatalf("%d users, want %d", n, usersBefore)
			}
			if n := count(t, db, "SELECT count(*) FROM identities WHERE provider = ? AND subject = ?", tt.id.Provider, tt.id.Subject) +
				count(t, db, "SELECT count(*) FROM pending_links WHERE provider = ? AND subject = ?", tt.id.Provider, tt.id.Subject); n != 0 {
				t.Fatalf("refused sign-in left %d identities or pending links", n)
			}
		})
	}
}

// pendingLink signs an identity in with the verified address of owner and
// returns the pending link it creates.
func pendingLink(t *testing.T, users *postgres.UserService, owner *maillage.User, provider string) *maillage.PendingLink {
	t.Helper()
	ctx := context.Background()
	subject := provider + "-" + uniq()
	out, err := users.SignInExternal(ctx, maillage.ExternalIdentity{Provider: provider, Subject: subject, Email: owner.Email, EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if !out.PendingLink {
		t.Fatalf("sign-in with %s did not wait for a link", owner.Email)
	}
	links, err := users.FindPendingLinks(ctx, owner.Email)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if l.Provider == provider && l.Subject == subject {
			return l
		}
	}
	t.Fatalf("no pending link for %s/%s in %+v", provider, subject, links)
	return nil
}

func TestConfirmLink(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()
	owner := newUser(t, users, "owner")
	other := newUser(t, users, "other")

	t.Run("by the owner", func(t *testing.T) {
		l := pendingLink(t, users, owner, "oidc")
		ident, err := users.ConfirmLink(ctx, owner.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &maillage.Identity{ID: ident.ID, UserID: owner.ID, Provider: "oidc", Subject: l.Subject, Email: owner.Email}
		if diff := cmp.Diff(want, ident, cmpopts.IgnoreFields(maillage.Identity{}, "CreatedAt", "LastUsedAt")); diff != "" {
			t.Fatalf("linked identity (-want +got):\n%s", diff)
		}
		if n := count(t, db, "SELECT count(*) FROM pending_links WHERE id = ?", l.ID); n != 0 {
			t.Fatal("pending link still there after confirmation")
		}
		audit := auditOf(t, db, owner.ID)
		if last := audit[len(audit)-1]; last != (auditLine{owner.ID, "identity.linked", owner.ID}) {
			t.Fatalf("last audit entry %+v, want identity.linked", last)
		}
		out, err := users.SignInExternal(ctx, maillage.ExternalIdentity{Provider: "oidc", Subject: l.Subject, Email: owner.Email, EmailVerified: true})
		if err != nil {
			t.Fatal(err)
		}
		if out.User.ID != owner.ID || out.PendingLink || out.Created {
			t.Fatalf("sign-in with the linked identity: user %d PendingLink=%v Created=%v", out.User.ID, out.PendingLink, out.Created)
		}
	})

	refused := []struct {
		name   string
		user   func() int64
		before string // SQL run on the link first
	}{
		{"by another user", func() int64 { return other.ID }, ""},
		{"expired", func() int64 { return owner.ID }, "UPDATE pending_links SET expires_at = now() - interval '1 minute' WHERE id = ?"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			l := pendingLink(t, users, owner, "google")
			if tt.before != "" {
				if _, err := db.NewRaw(tt.before, l.ID).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			_, err := users.ConfirmLink(ctx, tt.user(), l.ID)
			wantCode(t, err, maillage.ENOTFOUND)
			if n := count(t, db, "SELECT count(*) FROM identities WHERE provider = 'google' AND subject = ?", l.Subject); n != 0 {
				t.Fatal("identity linked anyway")
			}
		})
	}
}

func TestSignInEmail(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()
	email := "dominique-" + uniq() + "@exemple.fr"

	first, err := users.SignInEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || !first.User.EmailVerified || first.User.Email != email {
		t.Fatalf("first sign-in: %+v (Created=%v), want a new verified account", first.User, first.Created)
	}
	for _, variant := range []string{email, "  " + strings.ToUpper(email) + "\t"} {
		out, err := users.SignInEmail(ctx, variant)
		if err != nil {
			t.Fatal(err)
		}
		if out.Created || out.User.ID != first.User.ID {
			t.Fatalf("sign-in with %q: user %d Created=%v, want user %d", variant, out.User.ID, out.Created, first.User.ID)
		}
	}
	ids, err := users.FindIdentities(ctx, first.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []*maillage.Identity{{UserID: first.User.ID, Provider: "email", Subject: email, Email: email}}
	if diff := cmp.Diff(want, ids, cmpopts.IgnoreFields(maillage.Identity{}, "ID", "CreatedAt", "LastUsedAt")); diff != "" {
		t.Fatalf("identities (-want +got):\n%s", diff)
	}
	if n := count(t, db, "SELECT count(*) FROM users WHERE lower(email) = ?", email); n != 1 {
		t.Fatalf("%d accounts for %s, want 1", n, email)
	}
}

func TestGrantRole(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()
	actor := newUser(t, users, "admin")

	tests := []struct {
		name    string
		grant   maillage.RoleGrant // UserID is a fresh user unless set
		twice   bool               // the same grant given a second time fails
		code    string
		field   string
		wantVal string // scope value stored
	}{
		{name: "conseiller", grant: maillage.RoleGrant{Role: maillage.RoleConseiller}},
		{name: "unscoped role drops a scope value", grant: maillage.RoleGrant{Role: maillage.RoleMediateur, ScopeValue: "69"}},
		{name: "unknown role", grant: maillage.RoleGrant{Role: "pape"}, code: maillage.EINVALID, field: "role"},
		{name: "coordinateur without scope", grant: maillage.RoleGrant{Role: maillage.RoleCoordinateur}, code: maillage.EINVALID, field: "scope_kind"},
		{name: "coordinateur of département 69", grant: maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: " 69 "}, wantVal: "69"},
		{name: "coordinateur of unknown département", grant: maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "00"}, code: maillage.EINVALID, field: "scope_value"},
		{name: "coordinateur with empty scope value", grant: maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "  "}, code: maillage.EINVALID, field: "scope_value"},
		{name: "coordinateur of région 84", grant: maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "84"}, wantVal: "84"},
		{name: "coordinateur of unknown région", grant: maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "69"}, code: maillage.EINVALID, field: "scope_value"},
		{name: "instructeur without programme", grant: maillage.RoleGrant{Role: maillage.RoleInstructeur}, code: maillage.EINVALID, field: "scope_kind"},
		{name: "instructeur of a région", grant: maillage.RoleGrant{Role: maillage.RoleInstructeur, ScopeKind: maillage.ScopeRegion, ScopeValue: "84"}, code: maillage.EINVALID, field: "scope_kind"},
		{name: "instructeur of a programme", grant: maillage.RoleGrant{Role: maillage.RoleInstructeur, ScopeKind: maillage.ScopeProgramme, ScopeValue: "france-services"}, wantVal: "france-services"},
		{name: "duplicate active grant", grant: maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeRegion, ScopeValue: "84"}, twice: true, code: maillage.ECONFLICT},
		{name: "unknown user", grant: maillage.RoleGrant{UserID: 1 << 40, Role: maillage.RoleConseiller}, code: maillage.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.grant
			if g.UserID == 0 {
				g.UserID = newUser(t, users, "target").ID
			}
			if tt.twice {
				if _, err := users.GrantRole(ctx, actor.ID, g, "192.0.2.1"); err != nil {
					t.Fatal(err)
				}
			}
			auditBefore := len(auditOf(t, db, g.UserID))
			got, err := users.GrantRole(ctx, actor.ID, g, "192.0.2.1")
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if tt.field != "" {
					if ps := maillage.ErrorProblems(err); !ps.Has(tt.field) || len(ps) != 1 {
						t.Fatalf("problems %v, want one for %q only", ps, tt.field)
					}
				}
				if n := len(auditOf(t, db, g.UserID)); n != auditBefore {
					t.Fatalf("refused grant wrote %d audit entries", n-auditBefore)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := &maillage.RoleGrant{ID: got.ID, UserID: g.UserID, Role: g.Role, ScopeKind: g.ScopeKind, ScopeValue: tt.wantVal, GrantedBy: &actor.ID}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(maillage.RoleGrant{}, "GrantedAt")); diff != "" {
				t.Fatalf("grant (-want +got):\n%s", diff)
			}
			u, err := users.FindUserByID(ctx, g.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if !u.HasScoped(g.Role, g.ScopeKind, tt.wantVal) {
				t.Fatalf("user grants %+v do not show %s", u.Grants, g.Role)
			}
			var raw []byte
			var actorID, targetID int64
			var ip string
			if err := db.NewRaw("SELECT actor_id, target_id, details, ip FROM audit_log WHERE action = 'role.granted' AND target_id = ? ORDER BY id DESC LIMIT 1", g.UserID).
				Scan(ctx, &actorID, &targetID, &raw, &ip); err != nil {
				t.Fatalf("no role.granted audit entry: %v", err)
			}
			var details map[string]any
			if err := json.Unmarshal(raw, &details); err != nil {
				t.Fatal(err)
			}
			wantDetails := map[string]any{"role": string(g.Role), "scope_kind": g.ScopeKind, "scope_value": tt.wantVal}
			if actorID != actor.ID || targetID != g.UserID || ip != "192.0.2.1" || !cmp.Equal(details, wantDetails) {
				t.Fatalf("audit actor %d target %d ip %q details %v; want %d %d %v", actorID, targetID, ip, details, actor.ID, g.UserID, wantDetails)
			}
		})
	}
}

func TestRevokeRole(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()
	boss := newUser(t, users, "boss")
	admin := newUser(t, users, "admin")
	target := newUser(t, users, "target")
	adminGrant, err := users.GrantRole(ctx, boss.ID, maillage.RoleGrant{UserID: admin.ID, Role: maillage.RoleAdministrateur}, "")
	if err != nil {
		t.Fatal(err)
	}
	med := maillage.RoleGrant{UserID: target.ID, Role: maillage.RoleMediateur}
	g, err := users.GrantRole(ctx, admin.ID, med, "")
	if err != nil {
		t.Fatal(err)
	}

	if err := users.RevokeRole(ctx, admin.ID, g.ID, "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	u, err := users.FindUserByID(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Has(maillage.RoleMediateur) {
		t.Fatalf("revoked role still shown: %+v", u.Grants)
	}
	audit := auditOf(t, db, target.ID)
	if last := audit[len(audit)-1]; last != (auditLine{admin.ID, "role.revoked", target.ID}) {
		t.Fatalf("last audit entry %+v, want role.revoked by %d", last, admin.ID)
	}
	wantCode(t, users.RevokeRole(ctx, admin.ID, g.ID, ""), maillage.ENOTFOUND)

	again, err := users.GrantRole(ctx, admin.ID, med, "")
	if err != nil {
		t.Fatalf("grant again after revoking: %v", err)
	}
	if again.ID == g.ID {
		t.Fatal("the new grant reuses the revoked one")
	}

	wantCode(t, users.RevokeRole(ctx, admin.ID, adminGrant.ID, ""), maillage.ECONFLICT)
	if u, _ := users.FindUserByID(ctx, admin.ID); !u.Has(maillage.RoleAdministrateur) {
		t.Fatal("administrator lost the role after a refused self-revocation")
	}
	if err := users.RevokeRole(ctx, boss.ID, adminGrant.ID, ""); err != nil {
		t.Fatalf("another administrator revokes: %v", err)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()
	u := newUser(t, users, "audited")
	if err := users.Audit(ctx, maillage.AuditEntry{ActorID: &u.ID, Action: "test.entry", TargetID: &u.ID, Details: map[string]any{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE audit_log SET action = 'tampered' WHERE target_id = ?",
		"DELETE FROM audit_log WHERE target_id = ?",
		"TRUNCATE audit_log -- ?",
	} {
		_, err := db.NewRaw(q, u.ID).Exec(ctx)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the append-only trigger to refuse", q, err)
		}
	}
	if got := auditOf(t, db, u.ID); !cmp.Equal(got, []auditLine{{u.ID, "account.created", u.ID}, {u.ID, "test.entry", u.ID}}) {
		t.Fatalf("audit entries changed: %+v", got)
	}
}

func TestFindUsers(t *testing.T) {
	db := testenv.Get(t).FreshDB(t) // counts users by role
	users := postgres.NewUserService(db)
	ctx := context.Background()
	actor := newUser(t, users, "admin")
	frag := "fu" + uniq()
	var emails []string
	for _, p := range []string{"alix", "bao", "chloe"} {
		out, err := users.SignInEmail(ctx, p+"."+frag+"@exemple.fr")
		if err != nil {
			t.Fatal(err)
		}
		emails = append(emails, out.User.Email)
		if p != "alix" {
			if _, err := users.GrantRole(ctx, actor.ID, maillage.RoleGrant{UserID: out.User.ID, Role: maillage.RoleAidant}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if p == "chloe" {
			if err := users.UpdateDisplayName(ctx, out.User.ID, "Chloé Zyx"+frag); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		filter maillage.UserFilter
		want   []string // e-mails, in id order
		total  int
	}{
		{"e-mail fragment", maillage.UserFilter{Query: frag}, emails, 3},
		{"fragment in capitals", maillage.UserFilter{Query: strings.ToUpper(frag)}, emails, 3},
		{"one address", maillage.UserFilter{Query: "bao." + frag}, emails[1:2], 1},
		{"name fragment", maillage.UserFilter{Query: "zyx" + frag}, emails[2:], 1},
		{"fragment and role", maillage.UserFilter{Query: frag, Role: maillage.RoleAidant}, emails[1:], 2},
		{"fragment and a role nobody holds", maillage.UserFilter{Query: frag, Role: maillage.RoleInstructeur}, nil, 0},
		{"limit keeps the total", maillage.UserFilter{Query: frag, Limit: 2}, emails[:2], 3},
		{"offset", maillage.UserFilter{Query: frag, Offset: 2, Limit: 2}, emails[2:], 3},
		{"like wildcards are literal", maillage.UserFilter{Query: "%_" + frag}, nil, 0},
		{"no match", maillage.UserFilter{Query: "personne-" + uniq()}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := users.FindUsers(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var gotEmails []string
			for _, u := range got {
				gotEmails = append(gotEmails, u.Email)
			}
			if diff := cmp.Diff(tt.want, gotEmails); diff != "" || total != tt.total {
				t.Fatalf("total %d, want %d; users (-want +got):\n%s", total, tt.total, diff)
			}
		})
	}

	t.Run("by role only", func(t *testing.T) {
		got, total, err := users.FindUsers(ctx, maillage.UserFilter{Role: maillage.RoleAidant, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var gotEmails []string
		for _, u := range got {
			gotEmails = append(gotEmails, u.Email)
		}
		if diff := cmp.Diff(emails[1:], gotEmails); diff != "" || total != 2 {
			t.Fatalf("total %d, want the 2 aidants; users (-want +got):\n%s", total, diff)
		}
		for _, u := range got {
			if !u.Has(maillage.RoleAidant) {
				t.Fatalf("user %d without the role listed: %+v", u.ID, u.Grants)
			}
		}
	})
}

func TestExportUser(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	sessions := postgres.NewSessionService(db)
	ctx := context.Background()
	admin := newUser(t, users, "admin")
	me := newUser(t, users, "me")
	someone := newUser(t, users, "someone")
	if _, err := users.GrantRole(ctx, admin.ID, maillage.RoleGrant{UserID: me.ID, Role: maillage.RoleConseiller}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := users.GrantRole(ctx, admin.ID, maillage.RoleGrant{UserID: someone.ID, Role: maillage.RoleAidant}, ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*maillage.User{me, me, someone} {
		if err := sessions.CreateSession(ctx, &maillage.Session{UserID: u.ID, AuthMethod: "email", ExpiresAt: time.Now().Add(time.Hour)}, "tok-"+uniq()); err != nil {
			t.Fatal(err)
		}
	}

	x, err := users.ExportUser(ctx, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.User.ID != me.ID || !x.User.Has(maillage.RoleConseiller) {
		t.Fatalf("exported user %+v", x.User)
	}
	if len(x.Identities) != 1 || x.Identities[0].UserID != me.ID || x.Identities[0].Subject != me.Email {
		t.Fatalf("identities %+v, want the e-mail identity of %d", x.Identities, me.ID)
	}
	if len(x.Sessions) != 2 {
		t.Fatalf("%d sessions, want 2", len(x.Sessions))
	}
	for _, s := range x.Sessions {
		if s.UserID != me.ID {
			t.Fatalf("session of user %d exported", s.UserID)
		}
	}
	var actions []string
	for _, e := range x.Audit {
		if (e.ActorID == nil || *e.ActorID != me.ID) && (e.TargetID == nil || *e.TargetID != me.ID) {
			t.Fatalf("audit entry %+v is not about user %d", e, me.ID)
		}
		actions = append(actions, e.Action)
	}
	if diff := cmp.Diff([]string{"role.granted", "account.created"}, actions); diff != "" {
		t.Fatalf("audit actions (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), someone.Email) || strings.Contains(string(b), x.Sessions[0].IDHash) {
		t.Fatalf("export holds another person's data or a session hash: %s", b)
	}
}

func TestDeleteUser(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	sessions := postgres.NewSessionService(db)
	ctx := context.Background()
	admin := newUser(t, users, "admin")
	u := newUser(t, users, "leaving")
	if err := users.UpdateDisplayName(ctx, u.ID, "Sacha Départ"); err != nil {
		t.Fatal(err)
	}
	pendingLink(t, users, u, "oidc")
	if _, err := users.GrantRole(ctx, admin.ID, maillage.RoleGrant{UserID: u.ID, Role: maillage.RoleMediateur}, ""); err != nil {
		t.Fatal(err)
	}
	token := "tok-" + uniq()
	if err := sessions.CreateSession(ctx, &maillage.Session{UserID: u.ID, AuthMethod: "email", ExpiresAt: time.Now().Add(time.Hour)}, token); err != nil {
		t.Fatal(err)
	}
	auditBefore := auditOf(t, db, u.ID)

	if err := users.DeleteUser(ctx, u.ID, "192.0.2.3"); err != nil {
		t.Fatal(err)
	}

	for q, want := range map[string]int{
		"SELECT count(*) FROM identities WHERE user_id = ?":                                                                                 0,
		"SELECT count(*) FROM sessions WHERE user_id = ?":                                                                                   0,
		"SELECT count(*) FROM role_grants WHERE user_id = ? AND revoked_at IS NULL":                                                         0,
		"SELECT count(*) FROM role_grants WHERE user_id = ? AND revoked_at IS NOT NULL":                                                     1,
		"SELECT count(*) FROM users WHERE id = ? AND email IS NULL AND display_name = '' AND NOT email_verified AND deleted_at IS NOT NULL": 1,
	} {
		if n := count(t, db, q, u.ID); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM pending_links WHERE email = ?", u.Email); n != 0 {
		t.Errorf("%d pending links left for the deleted address", n)
	}
	want := append(auditBefore, auditLine{u.ID, "account.deleted", u.ID})
	if diff := cmp.Diff(want, auditOf(t, db, u.ID)); diff != "" {
		t.Fatalf("audit (-want +got):\n%s", diff)
	}
	_, err := users.FindUserByID(ctx, u.ID)
	wantCode(t, err, maillage.ENOTFOUND)
	_, err = users.FindUserByEmail(ctx, u.Email)
	wantCode(t, err, maillage.ENOTFOUND)
	_, err = sessions.FindSession(ctx, token, time.Hour)
	wantCode(t, err, maillage.ENOTFOUND)
	wantCode(t, users.DeleteUser(ctx, u.ID, ""), maillage.ENOTFOUND)

	out, err := users.SignInEmail(ctx, u.Email)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Created || out.User.ID == u.ID || out.User.Has(maillage.RoleMediateur) {
		t.Fatalf("sign-in after deletion: user %d Created=%v grants %+v, want a new empty account", out.User.ID, out.Created, out.User.Grants)
	}
	if n := count(t, db, "SELECT count(*) FROM users WHERE id = ? AND email IS NULL AND deleted_at IS NOT NULL", u.ID); n != 1 {
		t.Fatal("the deleted account is no longer anonymised")
	}
}

func TestRemoveIdentity(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()
	u := newUser(t, users, "ids")
	other := newUser(t, users, "other")
	ids, err := users.FindIdentities(ctx, u.ID)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities %+v, %v", ids, err)
	}
	wantCode(t, users.RemoveIdentity(ctx, u.ID, ids[0].ID), maillage.ECONFLICT)

	linked, err := users.ConfirmLink(ctx, u.ID, pendingLink(t, users, u, "github").ID)
	if err != nil {
		t.Fatal(err)
	}
	otherIDs, _ := users.FindIdentities(ctx, other.ID)
	wantCode(t, users.RemoveIdentity(ctx, u.ID, otherIDs[0].ID), maillage.ENOTFOUND)
	if err := users.RemoveIdentity(ctx, u.ID, linked.ID); err != nil {
		t.Fatal(err)
	}
	got, err := users.FindIdentities(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != ids[0].ID {
		t.Fatalf("identities after removal %+v, want only the e-mail one", got)
	}
	audit := auditOf(t, db, u.ID)
	if last := audit[len(audit)-1]; last != (auditLine{u.ID, "identity.removed", u.ID}) {
		t.Fatalf("last audit entry %+v, want identity.removed", last)
	}
	wantCode(t, users.RemoveIdentity(ctx, u.ID, got[0].ID), maillage.ECONFLICT)
}

// An address a provider does not vouch for must not let its holder take
// over the account its real owner later proves by e-mail or through a
// provider that verifies it (pre-account hijacking).
func TestUnverifiedAddressClaimsNoAccount(t *testing.T) {
	db := testenv.Get(t).DB(t)
	users := postgres.NewUserService(db)
	ctx := context.Background()
	victim := "victime-" + uniq() + "@exemple.fr"

	squatter, err := users.SignInExternal(ctx, maillage.ExternalIdentity{Provider: "github", Subject: "gh-" + uniq(), Email: victim})
	if err != nil {
		t.Fatal(err)
	}
	if !squatter.Created {
		t.Fatal("the unverified identity should still get an account of its own")
	}

	t.Run("e-mail link", func(t *testing.T) {
		out, err := users.SignInEmail(ctx, victim)
		if err != nil {
			t.Fatal(err)
		}
		if out.User.ID == squatter.User.ID || !out.Created {
			t.Fatalf("the owner of %s signed in to the account created by an unverified identity (user %d)", victim, out.User.ID)
		}
	})

	t.Run("verified provider", func(t *testing.T) {
		other := "victime-" + uniq() + "@exemple.fr"
		squatter, err := users.SignInExternal(ctx, maillage.ExternalIdentity{Provider: "github", Subject: "gh-" + uniq(), Email: other})
		if err != nil {
			t.Fatal(err)
		}
		out, err := users.SignInExternal(ctx, maillage.ExternalIdentity{Provider: "oidc", Subject: "pc-" + uniq(), Email: other, EmailVerified: true})
		if err != nil {
			t.Fatal(err)
		}
		if out.PendingLink || out.User.ID == squatter.User.ID {
			t.Fatalf("the verified identity of %s waits for the squatter's confirmation (user %d, PendingLink=%v)", other, out.User.ID, out.PendingLink)
		}
		if links, _ := users.FindPendingLinks(ctx, other); len(links) != 0 {
			t.Fatalf("pending links offered to the unverified account: %+v", links)
		}
	})
}
