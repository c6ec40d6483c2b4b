package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"maillage/internal/app"
	"maillage/internal/auth"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/web/kit"
)

// expected access per route: who may pass the route's gate.
//
//	all    anyone, signed in or not
//	signed any signed-in person
//	admin  administrators only
//	import administrators and coordinators
//
// A new route must be added here, or TestAuthorizationMatrix fails.
var expectedAccess = map[string]string{
	// core (internal/web)
	"GET /healthz":          "all",
	"GET /readyz":           "all",
	"GET /etat":             "all",
	"GET /api/openapi.json": "all",

	// home
	"GET /":                 "all",
	"GET /a-propos/donnees": "all",
	"GET /tableau-de-bord":  "signed",
	"GET /favicon.ico":      "all",

	// account
	"GET /connexion":                      "all",
	"POST /connexion/email":               "all",
	"GET /connexion/email/envoye":         "all",
	"GET /connexion/email/verifier":       "all",
	"POST /connexion/email/verifier":      "all",
	"GET /auth/:provider":                 "all",
	"GET /auth/:provider/callback":        "all",
	"POST /deconnexion":                   "signed",
	"GET /dev/courriels":                  "all", // development mailbox: enabled in tests (loopback), 404 in production
	"GET /compte":                         "signed",
	"POST /compte/nom":                    "signed",
	"POST /compte/sessions/revoquer-tout": "signed",
	"POST /compte/sessions/:id/revoquer":  "signed",
	"POST /compte/liaisons/:id/confirmer": "signed",
	"POST /compte/identites/:id/retirer":  "signed",
	"GET /compte/export":                  "signed",
	"GET /compte/supprimer":               "signed",
	"POST /compte/supprimer":              "signed",
	"GET /compte/jetons":                  "signed",
	"POST /compte/jetons":                 "signed",
	"POST /compte/jetons/:id/revoquer":    "signed",

	// network
	"GET /annuaire":                                  "all",
	"GET /annuaire/regions/:code":                    "all",
	"GET /annuaire/departements/:code/personnes.csv": "all",
	"GET /annuaire/departements/:code":               "all",
	"GET /profil":                                    "signed",
	"POST /profil":                                   "signed",
	"GET /profils/:id":                               "all",
	"GET /structures/nouvelle":                       "signed",
	"POST /structures/nouvelle":                      "signed",
	"GET /structures/revendications":                 "signed",
	"GET /structures/revendications/confirmer":       "signed",
	"POST /structures/revendications/:id/lien":       "signed",
	"POST /structures/revendications/:id/decision":   "signed", // the claim's territory is checked by Claim.CanDecide
	"POST /structures/revendications/:id/annuler":    "signed",
	"GET /structures/:id":                            "all",
	"GET /structures/:id/modifier":                   "signed", // then Structure.CanEdit: 403 for non-referents
	"POST /structures/:id/modifier":                  "signed",
	"POST /structures/:id/invitations":               "signed",
	"POST /structures/invitations/:id/annuler":       "signed",
	"POST /structures/membres/:id/terminer":          "signed",
	"GET /invitations":                               "signed",
	"POST /invitations/:id/reponse":                  "signed",
	"GET /api/profils":                               "all",
	"GET /api/profils/:id":                           "all",
	"GET /api/structures":                            "all",
	"POST /api/structures":                           "signed",
	"GET /api/structures/:id":                        "all",
	"GET /api/referentiel/competences":               "all",
	"GET /api/referentiel/certifications":            "all",
	"GET /api/communes":                              "all",
	"GET /api/moi/profil":                            "signed",
	"PUT /api/moi/profil":                            "signed",

	// search
	"GET /recherche":     "all",
	"GET /api/recherche": "all",

	// lieux
	"GET /lieux.csv":                          "all",
	"GET /lieux.json":                         "all",
	"GET /admin/lieux/import":                 "import",
	"POST /admin/lieux/import":                "import",
	"GET /admin/lieux/import/:id":             "import", // then only the job's author or an administrator
	"GET /admin/lieux/import/:id/rapport.csv": "import",

	// training (body pages: then training.CanManage on the stored body, 403 for others)
	"GET /formations":                         "all",
	"GET /formations.lheo.xml":                "all",
	"GET /formations/:id":                     "all",
	"GET /formations/sessions/:id":            "all",
	"GET /formations/sessions/:id/agenda.ics": "all",
	"GET /organismes/:id":                     "all",
	"GET /organismes/:id/sessions.ics":        "all",
	"GET /organismes/:id/formations.lheo.xml": "all",
	"GET /mes-organismes":                     "signed",
	"GET /organismes/:id/gestion":             "signed",
	"POST /organismes/:id/declaration":        "signed",
	"POST /organismes/:id/import-lheo":        "signed",
	"GET /organismes/:id/offres/nouvelle":     "signed",
	"POST /organismes/:id/offres/nouvelle":    "signed",
	"GET /formations/:id/modifier":            "signed",
	"POST /formations/:id/modifier":           "signed",
	"POST /formations/:id/supprimer":          "signed",
	"GET /formations/:id/sessions/nouvelle":   "signed",
	"POST /formations/:id/sessions/nouvelle":  "signed",
	"GET /formations/sessions/:id/modifier":   "signed",
	"POST /formations/sessions/:id/modifier":  "signed",
	"POST /formations/sessions/:id/supprimer": "signed",
	"GET /parcours":                           "signed",
	"POST /parcours/partages":                 "signed",
	"POST /parcours/partages/:id/revoquer":    "signed", // then only the owner's link
	"GET /parcours/partage/:token":            "all",
	"GET /api/formations":                     "all",
	"POST /api/formations":                    "signed",
	"GET /api/formations/:id":                 "all",
	"PUT /api/formations/:id":                 "signed",
	"DELETE /api/formations/:id":              "signed",
	"POST /api/formations/:id/sessions":       "signed",
	"PUT /api/formations/sessions/:id":        "signed",
	"DELETE /api/formations/sessions/:id":     "signed",
	"GET /api/moi/parcours":                   "signed",

	// mentoring (object-level rules in MentoringService: a request's or a
	// pairing's two sides only; coordination through CheckScope, 403 outside
	// the coordinator's territory)
	"GET /mentorat":                              "signed",
	"GET /mentorat/trouver":                      "signed",
	"GET /mentorat/mentors/:id/demande":          "signed",
	"POST /mentorat/mentors/:id/demande":         "signed",
	"GET /mentorat/demandes":                     "signed",
	"POST /mentorat/demandes/:id/annuler":        "signed",
	"POST /mentorat/demandes/:id/reponse":        "signed",
	"GET /mentorat/mentores":                     "signed",
	"POST /mentorat/pause":                       "signed",
	"POST /mentorat/reprise":                     "signed",
	"GET /mentorat/binomes/:id":                  "signed",
	"POST /mentorat/binomes/:id/rencontres":      "signed",
	"POST /mentorat/binomes/:id/terminer":        "signed",
	"GET /mentorat/coordination":                 "signed",
	"GET /mentorat/coordination/export.csv":      "signed",
	"GET /mentorat/coordination/propositions":    "signed",
	"POST /mentorat/coordination/propositions":   "signed",
	"GET /observatoire":                          "all",
	"GET /observatoire/couverture.csv":           "all",
	"GET /observatoire/couverture.json":          "all",
	"GET /api/mentorat/mentors":                  "signed",
	"GET /api/mentorat/demandes":                 "signed",
	"POST /api/mentorat/demandes":                "signed",
	"GET /api/mentorat/demandes/:id":             "signed",
	"POST /api/mentorat/demandes/:id/reponse":    "signed",
	"POST /api/mentorat/demandes/:id/annulation": "signed",
	"GET /api/mentorat/binomes":                  "signed",
	"POST /api/mentorat/binomes/:id/fin":         "signed",
	"GET /api/mentorat/binomes/:id/rencontres":   "signed",
	"POST /api/mentorat/binomes/:id/rencontres":  "signed",
	"GET /api/mentorat/couverture":               "all",

	// charter
	"GET /charte":                             "all",
	"GET /charte/versions":                    "all",
	"GET /charte/versions/:id":                "all",
	"GET /charte/verifier":                    "all",
	"GET /charte/verifier/:code":              "all",
	"GET /charte/registre":                    "all",
	"GET /charte/signer":                      "signed",
	"POST /charte/signer":                     "signed",
	"GET /charte/mon-attestation":             "signed",
	"GET /charte/mon-attestation.pdf":         "signed",
	"POST /charte/retirer":                    "signed",
	"POST /charte/badge":                      "signed",
	"GET /charte/structures/:id":              "signed", // then only its referents and administrators (403 from the service)
	"POST /charte/structures/:id/invitations": "signed",
	"GET /admin/charte":                       "admin",
	"POST /admin/charte/revoquer":             "admin",
	"GET /api/charte":                         "all",
	"GET /api/charte/versions":                "all",
	"GET /api/charte/verifier/:code":          "all",
	"GET /api/charte/registre":                "all",
	"GET /api/moi/charte":                     "signed",
	// recruiting (employer pages: then Offer.CanEdit / recruiting.Employs, 403 or 404 for others)
	"GET /emploi":                              "all",
	"GET /emploi/offres.json":                  "all",
	"GET /emploi/employeur":                    "signed",
	"GET /emploi/offres/nouvelle":              "signed",
	"POST /emploi/offres/nouvelle":             "signed",
	"GET /emploi/offres/:id":                   "all",
	"GET /emploi/offres/:id/modifier":          "signed",
	"POST /emploi/offres/:id/modifier":         "signed",
	"POST /emploi/offres/:id/statut":           "signed",
	"GET /emploi/offres/:id/candidats":         "signed",
	"GET /emploi/offres/:id/candidatures":      "signed",
	"GET /emploi/offres/:id/candidatures.csv":  "signed",
	"POST /emploi/offres/:id/postuler":         "signed",
	"GET /emploi/candidatures/:id":             "signed", // its candidate and the offer's employers
	"POST /emploi/candidatures/:id/statut":     "signed",
	"GET /emploi/candidatures/:id/cv":          "signed",
	"GET /emploi/pour-moi":                     "signed",
	"POST /emploi/disponibilite":               "signed",
	"GET /emploi/mes-candidatures":             "signed",
	"POST /emploi/contacts/:id/reponse":        "signed",
	"GET /emploi/candidats":                    "signed",
	"GET /emploi/candidats/:id":                "signed",
	"POST /emploi/candidats/:id/contact":       "signed",
	"GET /api/emploi/offres":                   "all",
	"POST /api/emploi/offres":                  "signed",
	"GET /api/emploi/offres/:id":               "all",
	"PUT /api/emploi/offres/:id":               "signed",
	"POST /api/emploi/offres/:id/statut":       "signed",
	"GET /api/emploi/offres/:id/candidats":     "signed",
	"GET /api/emploi/offres/:id/candidatures":  "signed",
	"POST /api/emploi/offres/:id/candidatures": "signed",
	"GET /api/emploi/candidatures":             "signed",
	"GET /api/emploi/candidatures/:id":         "signed",
	"POST /api/emploi/candidatures/:id/statut": "signed",

	// admin
	"GET /admin/roles":               "admin",
	"POST /admin/roles":              "admin",
	"POST /admin/roles/:id/revoquer": "admin",
	"GET /admin/journal":             "admin",

	// carto: the embeddable map and how to embed it
	"GET /carte":          "all",
	"GET /carte/integrer": "all",

	// label (reviewer routes pass the gate signed in; the service checks
	// the reviewer's programme, and answers 404 for an application one may not see)
	"GET /labels":                                    "all",
	"GET /labels/programmes/:code":                   "all",
	"GET /labels/registre":                           "all",
	"GET /labels/registre/:id":                       "all",
	"POST /labels/dossiers":                          "signed",
	"GET /labels/dossiers/:id":                       "signed",
	"POST /labels/dossiers/:id/reponses":             "signed",
	"POST /labels/dossiers/:id/pieces/:file/retirer": "signed",
	"POST /labels/dossiers/:id/messages":             "signed",
	"GET /labels/fichiers/:id":                       "signed",
	"GET /labels/instruction":                        "signed", // then label.IsReviewer: 403 for others
	"POST /labels/instruction/lot":                   "signed",
	"POST /labels/instruction/export":                "signed",
	"GET /labels/exports/:id":                        "signed", // its requester only
	"POST /labels/dossiers/:id/suivre":               "signed",
	"POST /labels/dossiers/:id/assigner":             "signed",
	"POST /labels/dossiers/:id/ne-plus-suivre":       "signed",
	"POST /labels/dossiers/:id/etat":                 "signed",
	"GET /labels/dossiers/:id/decision":              "signed",
	"POST /labels/dossiers/:id/decision":             "signed",
	"POST /labels/dossiers/:id/appreciations":        "signed",
	"POST /labels/dossiers/:id/notes":                "signed",
	"POST /labels/dossiers/:id/avis":                 "signed",
	"POST /labels/avis/:id/reponse":                  "signed",
	"POST /labels/avis/:id/relance":                  "signed",
	"POST /labels/attributions/:id/retrait":          "signed",
	"GET /labels/equipe/:code":                       "signed",
	"POST /labels/equipe/:code/responsables":         "signed",
	"POST /labels/liens":                             "signed",
	"GET /api/labels":                                "all",
	"GET /api/labels/programmes":                     "all",
	"GET /api/labels/dossiers":                       "signed",
	"GET /api/labels/dossiers/:id":                   "signed",
	"POST /api/labels/dossiers/:id/etat":             "signed",
}

type principal struct {
	name  string
	grant *maillage.RoleGrant // nil: anonymous or no role
	anon  bool
}

var principals = []principal{
	{name: "anonymous", anon: true},
	{name: "sans rôle"},
	{name: "conseiller", grant: &maillage.RoleGrant{Role: maillage.RoleConseiller}},
	{name: "mediateur", grant: &maillage.RoleGrant{Role: maillage.RoleMediateur}},
	{name: "aidant", grant: &maillage.RoleGrant{Role: maillage.RoleAidant}},
	{name: "coordinateur", grant: &maillage.RoleGrant{Role: maillage.RoleCoordinateur, ScopeKind: maillage.ScopeDepartement, ScopeValue: "69"}},
	{name: "employeur", grant: &maillage.RoleGrant{Role: maillage.RoleEmployeur}},
	{name: "organisme_formation", grant: &maillage.RoleGrant{Role: maillage.RoleOrganismeFormation}},
	{name: "instructeur", grant: &maillage.RoleGrant{Role: maillage.RoleInstructeur, ScopeKind: maillage.ScopeProgramme, ScopeValue: "label-2026"}},
	{name: "referent", grant: &maillage.RoleGrant{Role: maillage.RoleReferent, ScopeKind: maillage.ScopeStructure, ScopeValue: "1"}},
	{name: "administrateur", grant: &maillage.RoleGrant{Role: maillage.RoleAdministrateur}},
}

func allowedBy(class string, p principal) bool {
	switch class {
	case "all":
		return true
	case "signed":
		return !p.anon
	case "admin":
		return p.grant != nil && p.grant.Role == maillage.RoleAdministrateur
	case "import":
		return p.grant != nil && (p.grant.Role == maillage.RoleAdministrateur || p.grant.Role == maillage.RoleCoordinateur)
	}
	panic("unknown access class " + class)
}

// newUser creates an account with an optional role.
func newUser(t *testing.T, a *app.App, email string, g *maillage.RoleGrant) *maillage.User {
	t.Helper()
	ctx := context.Background()
	out, err := a.Users.SignInEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if g != nil {
		gg := *g
		gg.UserID = out.User.ID
		if _, err := a.Users.GrantRole(ctx, out.User.ID, gg, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	return out.User
}

// newSession opens a session for u and returns its cookie token.
func newSession(t *testing.T, a *app.App, u *maillage.User) string {
	t.Helper()
	token := maillage.RandomToken(32)
	if err := a.Sessions.CreateSession(context.Background(), &maillage.Session{UserID: u.ID, AuthMethod: "test", ExpiresAt: time.Now().Add(time.Hour)}, token); err != nil {
		t.Fatal(err)
	}
	return token
}

// TestAuthorizationMatrix walks every registered route with every role
// (and anonymous). It fails when a route was registered without a declared
// permission, when a route is missing from expectedAccess, or when the gate's
// decision differs from the matrix. No route may answer 500 to an empty request.
func TestAuthorizationMatrix(t *testing.T) {
	a := testenv.Get(t).App(t)
	declared := map[string]auth.Permission{}
	for _, r := range a.Web.Routes() {
		declared[r.Method+" "+r.Path] = r.Perm
	}
	var registered []string
	for _, r := range a.Web.App().GetRoutes(true) {
		if r.Method == "HEAD" {
			continue
		}
		key := r.Method + " " + r.Path
		registered = append(registered, key)
		if _, ok := declared[key]; !ok {
			t.Errorf("route %s is registered without a declared permission: register it with kit.Router.Route(…, perm, …)", key)
		}
		if _, ok := expectedAccess[key]; !ok {
			t.Errorf("route %s is missing from expectedAccess in authz_test.go", key)
		}
	}
	for key := range expectedAccess {
		if _, ok := declared[key]; !ok {
			t.Errorf("expectedAccess lists %s, which is not a route", key)
		}
	}
	sort.Strings(registered)

	users := map[string]*maillage.User{}
	for i, p := range principals {
		if !p.anon {
			users[p.name] = newUser(t, a, fmt.Sprintf("matrice-%d@exemple.fr", i), p.grant)
		}
	}
	for _, key := range registered {
		class, ok := expectedAccess[key]
		if !ok {
			continue
		}
		method, path, _ := strings.Cut(key, " ")
		target := strings.NewReplacer(":provider", "inconnu", ":id", "1", ":code", "69").Replace(path)
		for _, p := range principals {
			t.Run(key+" as "+p.name, func(t *testing.T) {
				csrf := maillage.RandomToken(32)
				cookie := "maillage_csrf=" + csrf
				if !p.anon {
					session := newSession(t, a, users[p.name])
					cookie, csrf = "maillage_session="+session, kit.SessionCSRF(session)
				}
				body := url.Values{"_csrf": {csrf}}.Encode()
				req := httptest.NewRequest(method, target, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Cookie", cookie)
				resp, err := a.Web.App().Test(req, 10000)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				denied := resp.Header.Get("X-Maillage-Authz") == "denied"
				want := allowedBy(class, p)
				switch {
				case want && denied:
					t.Errorf("%s: denied (status %d), want allowed", p.name, resp.StatusCode)
				case !want && !denied:
					t.Errorf("%s: allowed (status %d), want denied", p.name, resp.StatusCode)
				case !want && p.anon && resp.StatusCode != 303 && resp.StatusCode != 401:
					t.Errorf("anonymous denied with %d, want 303 to sign-in or 401", resp.StatusCode)
				case !want && !p.anon && resp.StatusCode != 403:
					t.Errorf("%s denied with %d, want 403", p.name, resp.StatusCode)
				}
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s as %s: status %d", method, target, p.name, resp.StatusCode)
				}
			})
		}
	}
}
