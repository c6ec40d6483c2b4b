package maillage

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Role is what a person may act as. A person can hold several roles.
type Role string

// The roles of the portal.
const (
	RoleConseiller         Role = "conseiller"
	RoleMediateur          Role = "mediateur"
	RoleAidant             Role = "aidant"
	RoleCoordinateur       Role = "coordinateur"        // scoped to a département or a région
	RoleEmployeur          Role = "employeur"           // usually scoped to a structure
	RoleOrganismeFormation Role = "organisme_formation" // usually scoped to a structure
	RoleInstructeur        Role = "instructeur"         // scoped to a label programme
	RoleAdministrateur     Role = "administrateur"
	RoleReferent           Role = "referent" // referent of a structure (scoped to it)
)

// Roles lists every role in display order.
var Roles = []Role{RoleConseiller, RoleMediateur, RoleAidant, RoleCoordinateur, RoleEmployeur,
	RoleOrganismeFormation, RoleInstructeur, RoleReferent, RoleAdministrateur}

// Scope kinds of a role grant.
const (
	ScopeNone        = ""
	ScopeDepartement = "departement"
	ScopeRegion      = "region"
	ScopeProgramme   = "programme"
	ScopeStructure   = "structure"
)

// ValidRole reports whether r is a known role (names: "domain.role.<role>").
func ValidRole(r Role) bool { return slices.Contains(Roles, r) }

// ScopeKindsFor returns the scope kinds a role accepts ("" = unscoped).
func ScopeKindsFor(r Role) []string {
	switch r {
	case RoleCoordinateur:
		return []string{ScopeDepartement, ScopeRegion}
	case RoleInstructeur:
		return []string{ScopeProgramme}
	case RoleReferent:
		return []string{ScopeStructure}
	case RoleEmployeur, RoleOrganismeFormation:
		return []string{ScopeNone, ScopeStructure}
	}
	return []string{ScopeNone}
}

// Normalize trims the scope, and clears it for an unscoped grant.
func (g *RoleGrant) Normalize() {
	g.ScopeValue = strings.TrimSpace(g.ScopeValue)
	if g.ScopeKind == ScopeDepartement {
		g.ScopeValue = strings.ToUpper(g.ScopeValue) // 2a → 2A
	}
	if g.ScopeKind == ScopeNone {
		g.ScopeValue = ""
	}
}

// Validate is the one rule for a role grant: a known role, a scope kind
// the role accepts, and a scope value when scoped (whether a territory code
// exists is checked by storage).
func (g *RoleGrant) Validate() Problems {
	var ps Problems
	switch {
	case !ValidRole(g.Role):
		ps.Add("role", KeyNotInList)
	case !slices.Contains(ScopeKindsFor(g.Role), g.ScopeKind):
		ps.Add("scope_kind", "admin.role.scope.invalid")
	case g.ScopeKind != ScopeNone && g.ScopeValue == "":
		ps.Add("scope_value", "admin.role.scope.required")
	}
	CheckText(&ps, "scope_value", g.ScopeValue, 100, false)
	return ps
}

// RoleGrant gives a role to a user, possibly within a scope.
type RoleGrant struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Role       Role      `json:"role"`
	ScopeKind  string    `json:"scope_kind,omitempty"`
	ScopeValue string    `json:"scope_value,omitempty"`
	GrantedBy  *int64    `json:"granted_by,omitempty"`
	GrantedAt  time.Time `json:"granted_at"`
}

// User is an account.
type User struct {
	ID            int64       `json:"id"`
	Email         string      `json:"email"`
	EmailVerified bool        `json:"email_verified"`
	DisplayName   string      `json:"display_name"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	Grants        []RoleGrant `json:"roles"`
}

// Has reports whether the user holds role r (in any scope).
func (u *User) Has(r Role) bool {
	if u == nil {
		return false
	}
	for _, g := range u.Grants {
		if g.Role == r {
			return true
		}
	}
	return false
}

// Coordinates is the one territory-aware scope check: whether the user is
// an administrator, or a coordinator whose scope holds the territory — a
// coordinator of a région acts in each of its départements.
func (u *User) Coordinates(codeDepartement, codeRegion string) bool {
	if u == nil {
		return false
	}
	if u.Has(RoleAdministrateur) {
		return true
	}
	for _, g := range u.Grants {
		if g.Role != RoleCoordinateur {
			continue
		}
		switch {
		case g.ScopeKind == ScopeDepartement && codeDepartement != "" && g.ScopeValue == codeDepartement:
			return true
		case g.ScopeKind == ScopeRegion && codeRegion != "" && g.ScopeValue == codeRegion:
			return true
		}
	}
	return false
}

// CoordinatedTerritories lists the départements and régions a
// coordinator acts in (empty for an administrator, who acts everywhere).
func (u *User) CoordinatedTerritories() (departements, regions []string) {
	for _, g := range u.Grants {
		if g.Role == RoleCoordinateur {
			switch g.ScopeKind {
			case ScopeDepartement:
				departements = append(departements, g.ScopeValue)
			case ScopeRegion:
				regions = append(regions, g.ScopeValue)
			}
		}
	}
	return departements, regions
}

// HasScoped reports whether the user holds role r in exactly that scope.
func (u *User) HasScoped(r Role, kind, value string) bool {
	if u == nil {
		return false
	}
	for _, g := range u.Grants {
		if g.Role == r && g.ScopeKind == kind && g.ScopeValue == value {
			return true
		}
	}
	return false
}

// Identity is a way to sign in: (provider, subject).
type Identity struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	Provider   string    `json:"provider"`
	Subject    string    `json:"subject"`
	Email      string    `json:"email"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
}

// Session is a signed-in browser.
type Session struct {
	IDHash     string     `json:"-"`
	UserID     int64      `json:"-"`
	AuthMethod string     `json:"auth_method"`
	IDToken    string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	IP         string     `json:"ip"`
	UserAgent  string     `json:"user_agent"`
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID       int64          `json:"id"`
	At       time.Time      `json:"at"`
	ActorID  *int64         `json:"actor_id,omitempty"`
	Actor    string         `json:"actor,omitempty"`
	Action   string         `json:"action"`
	TargetID *int64         `json:"target_id,omitempty"`
	Target   string         `json:"target,omitempty"`
	Details  map[string]any `json:"details"`
	IP       string         `json:"ip,omitempty"`
}

// ExternalIdentity is what a provider says about the person signing in.
type ExternalIdentity struct {
	Provider      string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// SignInOutcome says what a sign-in with an external identity led to.
type SignInOutcome struct {
	User *User
	// Created is true when the sign-in created the account.
	Created bool
	// PendingLink is true when the e-mail belongs to another account: the
	// identity waits until that account's owner confirms the link.
	PendingLink bool
}

// PendingLink is an identity waiting for its account owner's confirmation.
type PendingLink struct {
	ID        int64
	Email     string
	Provider  string
	Subject   string
	ExpiresAt time.Time
}

// UserFilter selects users (administration).
type UserFilter struct {
	Query  string // e-mail or name contains
	Role   Role
	Offset int
	Limit  int
}

// UserExport is everything the portal holds about a person (RGPD).
type UserExport struct {
	ExportedAt time.Time      `json:"exported_at"`
	User       *User          `json:"user"`
	Identities []*Identity    `json:"identities"`
	Sessions   []*Session     `json:"sessions"`
	Audit      []*AuditEntry  `json:"audit_log"`
	Extra      map[string]any `json:"other,omitempty"`
}

// UserService manages accounts, identities and roles.
type UserService interface {
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// SignInExternal finds or creates the user of an external identity.
	SignInExternal(ctx context.Context, id ExternalIdentity) (*SignInOutcome, error)
	// SignInEmail finds or creates the user of a verified e-mail address.
	SignInEmail(ctx context.Context, email string) (*SignInOutcome, error)
	FindIdentities(ctx context.Context, userID int64) ([]*Identity, error)
	FindPendingLinks(ctx context.Context, email string) ([]*PendingLink, error)
	ConfirmLink(ctx context.Context, userID, linkID int64) (*Identity, error)
	RemoveIdentity(ctx context.Context, userID, identityID int64) error
	UpdateDisplayName(ctx context.Context, userID int64, name string) error
	GrantRole(ctx context.Context, actorID int64, g RoleGrant, ip string) (*RoleGrant, error)
	RevokeRole(ctx context.Context, actorID, grantID int64, ip string) error
	// BootstrapAdmin grants administrateur to a user who never held it
	// (MAILLAGE_ADMIN_EMAILS); it reports whether it granted.
	BootstrapAdmin(ctx context.Context, userID int64, ip string) (bool, error)
	FindAudit(ctx context.Context, limit int) ([]*AuditEntry, error)
	Audit(ctx context.Context, e AuditEntry) error
	ExportUser(ctx context.Context, userID int64) (*UserExport, error)
	DeleteUser(ctx context.Context, userID int64, ip string) error
}

// SessionService stores sign-in sessions (in PostgreSQL, so several
// portal instances share them).
type SessionService interface {
	CreateSession(ctx context.Context, s *Session, token string) error
	// FindSession returns the live session of a cookie token and marks it seen.
	FindSession(ctx context.Context, token string, idle time.Duration) (*Session, error)
	FindSessions(ctx context.Context, userID int64) ([]*Session, error)
	RevokeSession(ctx context.Context, userID int64, idHash string) error
	RevokeSessions(ctx context.Context, userID int64) (int, error)
}

// ValidEmail reports whether s is one plain address (no display name, one
// "@", a dot in the domain, at most 254 characters).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254 && strings.Contains(s[strings.LastIndex(s, "@"):], ".") && !HasControl(s, false)
}

// AuditActions lists every action the audit log records (named in the
// catalogues as "admin.audit.action.<action>").
var AuditActions = []string{
	"account.created", "account.deleted", "api_token.created", "api_token.revoked", "demo.loaded",
	"identity.linked", "identity.removed", "lieux.imported", "role.granted", "role.revoked",
	"structure.created", "structure.claimed", "structure.claim_requested", "structure.claim_acceptee",
	"structure.claim_refusee", "structure.claim_annulee", "structure.invitation_sent", "structure.invitation_accepted",
}
