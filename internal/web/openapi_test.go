package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"maillage/internal/app"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
	"maillage/internal/training"
)

// loadOpenAPI fetches the merged document the portal serves and loads it
// with kin-openapi.
func loadOpenAPI(t *testing.T, a *app.App) *openapi3.T {
	t.Helper()
	r := send(t, a, "GET", "/api/openapi.json", "", nil)
	wantStatus(t, r, 200)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(r.Body))
	if err != nil {
		t.Fatalf("the OpenAPI document does not load: %v", err)
	}
	return doc
}

// TestOpenAPIDocument validates the merged document (structure, $ref,
// path parameters, schemas, defaults and enums) and checks that it
// describes every /api/ route and nothing else.
func TestOpenAPIDocument(t *testing.T) {
	a := testenv.Get(t).App(t)
	doc := loadOpenAPI(t, a)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("openapi %q, info %+v", doc.OpenAPI, doc.Info)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value.Scheme != "bearer" {
		t.Errorf("security scheme bearerAuth: %+v", s)
	}
	if doc.Components.SecuritySchemes["cookieSession"] == nil {
		t.Error("security scheme cookieSession missing")
	}

	param := regexp.MustCompile(`:(\w+)`)
	routes := map[string]bool{}
	for _, r := range a.Web.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		path := param.ReplaceAllString(r.Path, "{$1}")
		routes[r.Method+" "+path] = true
		if item := doc.Paths.Value(path); item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s is not described in the OpenAPI document (its capability's openapi.json)", r.Method, r.Path)
		}
	}
	ops := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops++
			key := method + " " + path
			if !routes[key] {
				t.Errorf("the OpenAPI document describes %s, which is not a route", key)
			}
			if op.Summary == "" || op.Description == "" {
				t.Errorf("%s: no summary or description", key)
			}
			has2xx := false
			for code := range op.Responses.Map() {
				has2xx = has2xx || strings.HasPrefix(code, "2")
			}
			if !has2xx {
				t.Errorf("%s: no success response", key)
			}
		}
	}
	if ops < 12 {
		t.Errorf("only %d operations", ops)
	}

	// The closed lists of the document are the domain's.
	lieu := doc.Components.Schemas["Lieu"].Value
	for field, want := range map[string][]string{"services": maillage.LieuServices, "modalites_acces": maillage.LieuModalitesAcces,
		"modalites_accompagnement": maillage.LieuModalitesAccompagnement, "formations_labels": maillage.LieuFormationsLabels,
		"dispositif_programmes_nationaux": maillage.LieuDispositifs} {
		p := lieu.Properties[field]
		if p == nil || p.Value.Items == nil {
			t.Errorf("Lieu.%s: no list", field)
			continue
		}
		var got []string
		for _, v := range p.Value.Items.Value.Enum {
			got = append(got, fmt.Sprint(v))
		}
		if !slices.Equal(got, want) {
			t.Errorf("Lieu.%s enum %v, want the domain's %v", field, got, want)
		}
	}
}

// apiValidator sends requests through the portal and validates each
// response with kin-openapi against the merged document: status documented,
// content type, and body (types, enums, required, nullable, and no property
// the schema does not describe).
type apiValidator struct {
	a      *app.App
	router routers.Router
	seen   map[string]map[string]bool // "GET /api/profils/{id}" → statuses exercised
	doc    *openapi3.T
}

func newAPIValidator(t *testing.T, a *app.App) *apiValidator {
	t.Helper()
	doc := loadOpenAPI(t, a)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	// The document lets clients expect more properties later; this test
	// holds the portal to what is written: an object schema that lists its
	// properties accepts no other.
	done := map[*openapi3.Schema]bool{}
	var closeSchema func(s *openapi3.SchemaRef)
	closeSchema = func(s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil || done[s.Value] {
			return
		}
		v := s.Value
		done[v] = true
		if len(v.Properties) > 0 && v.AdditionalProperties.Has == nil && v.AdditionalProperties.Schema == nil {
			v.AdditionalProperties.Has = ptr(false)
		}
		for _, p := range v.Properties {
			closeSchema(p)
		}
		closeSchema(v.Items)
		closeSchema(v.AdditionalProperties.Schema)
		for _, l := range [][]*openapi3.SchemaRef{v.AllOf, v.AnyOf, v.OneOf} {
			for _, x := range l {
				closeSchema(x)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		closeSchema(s)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				for _, mt := range r.Value.Content {
					closeSchema(mt.Schema)
				}
			}
		}
	}
	doc.Servers = openapi3.Servers{{URL: "http://example.com"}} // httptest's host
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiValidator{a: a, router: router, seen: map[string]map[string]bool{}, doc: doc}
}

// call sends a request, checks its status and validates the response.
func (v *apiValidator) call(t *testing.T, method, target, body string, headers map[string]string, status int) response {
	t.Helper()
	r := send(t, v.a, method, target, body, headers)
	if r.Status != status {
		t.Errorf("%s %s: status %d, want %d; body: %s", method, target, r.Status, status, r.Body)
		return r
	}
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: no operation in the document: %v", method, target, err)
		return r
	}
	key := method + " " + route.Path
	if v.seen[key] == nil {
		v.seen[key] = map[string]bool{}
	}
	v.seen[key][fmt.Sprint(r.Status)] = true
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// The reason and the JSON pointer, without the whole schema.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if status < 300 && body != "" {
		req.Header.Set("Content-Type", "application/json")
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: the request the test sends breaks the document: %v", method, target, err)
		}
		req.Body = io.NopCloser(strings.NewReader(body))
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.Status, Header: r.Header, Body: io.NopCloser(bytes.NewReader([]byte(r.Body))), Options: opts,
	})
	if err != nil {
		t.Errorf("%s %s → %d: the response breaks the document:\n%v\nbody: %s", method, target, r.Status, err, clip(r.Body))
	}
	return r
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// coverage fails for each operation of the document the test never
// called with success, and for each documented status it never saw, but
// those listed in unreachable (operation → status → why).
func (v *apiValidator) coverage(t *testing.T, unreachable map[string]map[string]string) {
	t.Helper()
	var missing []string
	for path, item := range v.doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			for code := range op.Responses.Map() {
				if !v.seen[key][code] && unreachable[key][code] == "" {
					missing = append(missing, key+" → "+code)
				}
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("documented responses never validated:\n%s", strings.Join(missing, "\n"))
	}
}

// TestOpenAPIResponses calls every operation of the API, as an anonymous
// caller, a member (session cookie and token) and the owner, with success
// and with each error the caller can cause, and validates every response
// against the document.
func TestOpenAPIResponses(t *testing.T) {
	a := testenv.Get(t).App(t)
	v := newAPIValidator(t, a)
	owner := newUser(t, a, "api-schema@exemple.fr", nil)
	token := bearer(newToken(t, a, owner))
	session := newSession(t, a, owner)
	member := bearer(newToken(t, a, newUser(t, a, "api-schema-membre@exemple.fr", nil)))
	newcomer := bearer(newToken(t, a, newUser(t, a, "api-schema-nouveau@exemple.fr", nil))) // no profile
	unknown := bearer("mlg_inconnu")
	anonymous := map[string]string(nil)

	v.call(t, "GET", "/api/openapi.json", "", nil, 200)

	// My profile: none yet, then a whole one, then cleared fields (nulls).
	v.call(t, "GET", "/api/moi/profil", "", newcomer, 404)
	v.call(t, "GET", "/api/moi/profil", "", anonymous, 401)
	v.call(t, "GET", "/api/moi/profil", "", unknown, 401)
	full := `{"kind": "mediateur", "display_name": "Schéma Api", "bio": "b", "code_insee": "69123", "pix_level": 3,
		"open_to_work": true, "competences": [{"code": "1.1", "level": 3}], "titles": [{"certification_code": "REMN", "obtained_on": "2025-01-01"}],
		"mentor": {"available": true, "capacity": 1, "radius_km": 10, "remote": false, "themes": ["x"]},
		"visibility": {"profile": "public", "bio": "members", "pix": "private"}}`
	r := v.call(t, "PUT", "/api/moi/profil", full, token, 200)
	var me struct{ ID int64 }
	decode(t, r, &me)
	v.call(t, "GET", "/api/moi/profil", "", token, 200)
	v.call(t, "PUT", "/api/moi/profil", `{"display_name": "Schéma Api"}`, cookie(session, false), 403)
	v.call(t, "PUT", "/api/moi/profil", `{"display_name": "Schéma Api"}`, cookie(session, true), 200)
	v.call(t, "PUT", "/api/moi/profil", `{"pix_level": null, "code_insee": "", "titles": [], "bio": ""}`, token, 200)
	v.call(t, "GET", fmt.Sprintf("/api/profils/%d", me.ID), "", member, 200)
	v.call(t, "PUT", "/api/moi/profil", full, token, 200)
	v.call(t, "PUT", "/api/moi/profil", `{"pix_level": 99}`, token, 422)
	v.call(t, "PUT", "/api/moi/profil", `{"couleur": "bleu"}`, token, 422)
	v.call(t, "PUT", "/api/moi/profil", `{"display_name": `, token, 422)
	v.call(t, "PUT", "/api/moi/profil", `{}`, anonymous, 401)

	// A structure: created, read, listed; its SIRET again asks for it (a claim).
	lieu := fmt.Sprintf(`{"nom": "Lieu du schéma", "pivot": "W690000001", "commune": "Lyon", "code_postal": "69001",
		"code_insee": "69381", "adresse": "1 place", "latitude": 45.76, "longitude": 4.83, "typologie": ["MUNI"], "telephone": "+33478000000",
		"courriels": ["a@exemple.fr"], "site_web": ["https://exemple.fr"], "horaires": "Mo-Fr 09:00-12:00", "presentation_resume": "r",
		"presentation_detail": "d", "source": "s", "itinerance": ["Fixe"], "structure_parente": "p", "services": ["Aide aux démarches administratives"],
		"publics_specifiquement_adresses": ["Jeunes"], "prise_en_charge_specifique": ["Surdité"], "frais_a_charge": ["Gratuit"],
		"dispositif_programmes_nationaux": [%q], "formations_labels": [%q], "autres_formations_labels": "a", "modalites_acces": [%q],
		"modalites_accompagnement": [%q], "fiche_acces_libre": "https://acceslibre.beta.gouv.fr/x", "prise_rdv": "https://exemple.fr/rdv",
		"complement_adresse": "bâtiment B"}`, maillage.LieuDispositifs[0], maillage.LieuFormationsLabels[0],
		maillage.LieuModalitesAcces[0], maillage.LieuModalitesAccompagnement[0])
	r = v.call(t, "POST", "/api/structures", `{"lieu": `+lieu+`, "roles": ["lieu", "employeur"]}`, token, 201)
	var created struct{ ID int64 }
	decode(t, r, &created)
	v.call(t, "POST", "/api/structures", structureBody("Lieu sans session", validRNA(301000001)), anonymous, 401)
	v.call(t, "POST", "/api/structures", structureBody("Lieu sans CSRF", validRNA(301000002)), cookie(session, false), 403)
	v.call(t, "POST", "/api/structures", `{"lieu": {"nom": "", "pivot": "123"}, "roles": ["vaisseau"]}`, token, 422)
	v.call(t, "POST", "/api/structures", structureBody("Lieu déjà tenu", "W690000001"), member, 422) // it has a referent
	// A place imported without referent: its SIRET asks to become it (202).
	imported := maillage.Lieu{ID: "schema-import-" + fmt.Sprint(created.ID), Pivot: validRNA(301000009), Nom: "Médiathèque importée",
		Commune: "Lyon", CodePostal: "69003", CodeInsee: "69123", Adresse: "1 rue X", Courriels: []string{"contact@lieu-exemple.fr"}}
	if _, _, err := a.Structures.UpsertLieux(context.Background(), []maillage.Lieu{imported}, "test"); err != nil {
		t.Fatal(err)
	}
	v.call(t, "POST", "/api/structures", fmt.Sprintf(`{"lieu": {"nom": "Médiathèque importée", "pivot": %q, "commune": "Lyon",
		"code_postal": "69003", "code_insee": "69123", "adresse": "1 rue X"}, "roles": ["lieu"]}`, validRNA(301000009)), member, 202)

	// Search: the PostgreSQL fallback while the indexes are built, then Meilisearch.
	v.call(t, "GET", "/api/recherche?q=schema&pres=Lyon&tri=distance", "", member, 200)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.SearchSync.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range []map[string]string{anonymous, member, token} {
		v.call(t, "GET", fmt.Sprintf("/api/structures/%d", created.ID), "", h, 200)
		v.call(t, "GET", "/api/structures?departement=69&limit=100", "", h, 200)
		v.call(t, "GET", fmt.Sprintf("/api/profils/%d", me.ID), "", h, 200)
		v.call(t, "GET", "/api/profils?departement=69&limit=100", "", h, 200)
		v.call(t, "GET", "/api/recherche?q=schema&pres=Lyon&tri=distance&type=profile&type=structure", "", h, 200)
	}
	v.call(t, "GET", "/api/structures/999999999", "", nil, 404)
	v.call(t, "GET", "/api/structures/abc", "", nil, 404) // a path id that is not one names nothing
	v.call(t, "GET", "/api/structures?role=fusee", "", nil, 422)
	v.call(t, "GET", "/api/structures", "", unknown, 401)
	v.call(t, "GET", fmt.Sprintf("/api/structures/%d", created.ID), "", unknown, 401)
	v.call(t, "GET", "/api/profils/999999999", "", nil, 404)
	v.call(t, "GET", "/api/profils/abc", "", nil, 404)
	v.call(t, "GET", "/api/profils?limit=0", "", nil, 422)
	v.call(t, "GET", "/api/profils", "", unknown, 401)
	v.call(t, "GET", fmt.Sprintf("/api/profils/%d", me.ID), "", unknown, 401)

	v.call(t, "GET", "/api/referentiel/competences", "", nil, 200)
	v.call(t, "GET", "/api/referentiel/competences?domaine=5", "", nil, 200)
	v.call(t, "GET", "/api/referentiel/competences?domaine="+strings.Repeat("9", 11), "", nil, 422)
	v.call(t, "GET", "/api/referentiel/competences", "", unknown, 401)
	v.call(t, "GET", "/api/referentiel/certifications", "", nil, 200)
	v.call(t, "GET", "/api/referentiel/certifications?kind=RS", "", nil, 200)
	v.call(t, "GET", "/api/referentiel/certifications?kind=licence", "", nil, 422)
	v.call(t, "GET", "/api/referentiel/certifications", "", unknown, 401)

	v.call(t, "GET", "/api/communes?q=lyon", "", nil, 200)
	v.call(t, "GET", "/api/communes?q=saint-denis&departement=974&limit=5", "", nil, 200)
	v.call(t, "GET", "/api/communes?q=a%00", "", nil, 422)
	v.call(t, "GET", "/api/communes?q=lyon", "", unknown, 401)

	v.call(t, "GET", "/api/recherche?q=schema", "", nil, 200)
	v.call(t, "GET", "/api/recherche?pres=Nullepart-les-Oies", "", nil, 422)
	v.call(t, "GET", "/api/recherche?pres=Saint-Denis", "", nil, 422)

	// The charter: the version in force, the versions, the registry, where
	// the caller stands before and after signing, a signature's code.
	signer := newUser(t, a, "api-schema-aidante@exemple.fr", nil)
	signerToken := bearer(newToken(t, a, signer))
	for _, h := range []map[string]string{anonymous, member} {
		v.call(t, "GET", "/api/charte", "", h, 200)
		v.call(t, "GET", "/api/charte/versions", "", h, 200)
		v.call(t, "GET", "/api/charte/registre", "", h, 200)
	}
	v.call(t, "GET", "/api/moi/charte", "", signerToken, 200)
	e := signAs(t, a, signer, "Aidante Schéma", nil)
	v.call(t, "GET", "/api/moi/charte", "", signerToken, 200)
	v.call(t, "GET", "/api/charte/registre", "", nil, 200)
	v.call(t, "GET", "/api/charte/verifier/"+e.SignatureCode, "", nil, 200)
	v.call(t, "GET", "/api/charte/verifier/"+strings.ToLower(e.SignatureCode), "", signerToken, 200)
	v.call(t, "GET", "/api/charte/verifier/ZZZZ-ZZZZ-ZZZZ", "", nil, 404)
	v.call(t, "GET", "/api/moi/charte", "", anonymous, 401)
	for _, target := range []string{"/api/charte", "/api/charte/versions", "/api/charte/registre", "/api/charte/verifier/" + e.SignatureCode, "/api/moi/charte"} {
		v.call(t, "GET", target, "", unknown, 401)
	}

	// The label: the register and programmes (open data), a reviewer's
	// queue, an application as its referent and its reviewer see it, moves.
	ls := newLabelSetup(t, a, "Lieu du schéma des labels")
	ap := ls.submitted(t)
	reviewerToken := bearer(newToken(t, a, ls.reviewer))
	referentToken := bearer(newToken(t, a, ls.referent))
	for _, h := range []map[string]string{anonymous, member} {
		v.call(t, "GET", "/api/labels?departement=69&limit=10", "", h, 200)
		v.call(t, "GET", "/api/labels/programmes", "", h, 200)
	}
	v.call(t, "GET", "/api/labels?departement=ZZZ", "", nil, 422)
	v.call(t, "GET", "/api/labels/dossiers?onglet=tous&limit=5", "", reviewerToken, 200)
	v.call(t, "GET", "/api/labels/dossiers", "", anonymous, 401)
	v.call(t, "GET", "/api/labels/dossiers", "", member, 403)
	v.call(t, "GET", "/api/labels/dossiers?limit=0", "", reviewerToken, 422)
	dossier := fmt.Sprintf("/api/labels/dossiers/%d", ap.ID)
	v.call(t, "GET", dossier, "", referentToken, 200)
	v.call(t, "GET", dossier, "", anonymous, 401)
	v.call(t, "GET", dossier, "", member, 404)
	v.call(t, "POST", dossier+"/etat", `{"etat": "en_instruction"}`, anonymous, 401)
	v.call(t, "POST", dossier+"/etat", `{"etat": "en_instruction"}`, cookie(newSession(t, a, ls.reviewer), false), 403)
	v.call(t, "POST", dossier+"/etat", `{"etat": "en_instruction"}`, member, 404)
	v.call(t, "POST", dossier+"/etat", `{"etat": "en_instruction"}`, reviewerToken, 200)
	v.call(t, "POST", dossier+"/etat", `{"etat": "brouillon"}`, reviewerToken, 409)
	v.call(t, "POST", dossier+"/etat", `{"etat": "acceptee", "motivation": ""}`, reviewerToken, 422)
	if err := a.Labels.AddNote(context.Background(), ls.reviewer, ap.ID, "Note du schéma"); err != nil {
		t.Fatal(err)
	}
	v.call(t, "POST", dossier+"/etat", `{"etat": "acceptee", "motivation": "Conforme."}`, reviewerToken, 200)
	v.call(t, "GET", dossier, "", reviewerToken, 200)
	v.call(t, "GET", "/api/labels?departement=69", "", nil, 200)
	// Training: a body's offers and sessions (its referent writes, another
	// body is refused), the open list, and the caller's path.
	bodyOwner := newUser(t, a, "api-schema-organisme@exemple.fr", nil)
	bodyToken := bearer(newToken(t, a, bodyOwner))
	ost := trainingStructure(t, a, bodyOwner, "Organisme du schéma")
	if _, err := a.Training.DeclareBody(context.Background(), maillage.Viewer{UserID: bodyOwner.ID}, ost.ID, training.BodyInput{ActivityNumber: "84691234567"}); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	later := time.Now().Add(33 * 24 * time.Hour).UTC().Format(time.RFC3339)
	offerBody := fmt.Sprintf(`{"structure_id": %d, "title": "Offre du schéma", "description": "d", "objectives": "o", "certifications": ["REMN"],
		"blocs": ["REMN-B2"], "modality": "hybride", "hours": 70, "price_cents": 120000, "funding": ["cpf", "region"],
		"contact": {"name": "Camille", "email": "camille@organisme.exemple.fr", "phone": "04 78 00 00 00"},
		"sessions": [{"start": %q, "end": %q, "place": {"code_insee": "69123", "postcode": "69003", "city": "Lyon", "address": "1 rue"},
			"seats": 10, "seats_left": 4, "registration": "ouverte", "registration_url": "https://organisme.exemple.fr/s"},
			{"start": %q, "end": %q, "place": {"remote": true}}]}`, ost.ID, soon, later, soon, later)
	r = v.call(t, "POST", "/api/formations", offerBody, bodyToken, 201)
	var offer struct {
		ID       int64
		Sessions []struct{ ID int64 }
	}
	decode(t, r, &offer)
	oURL := fmt.Sprintf("/api/formations/%d", offer.ID)
	v.call(t, "POST", "/api/formations", offerBody, member, 403)
	v.call(t, "POST", "/api/formations", strings.Replace(offerBody, fmt.Sprintf(`"structure_id": %d`, ost.ID), `"structure_id": 999999999`, 1), bodyToken, 404)
	v.call(t, "POST", "/api/formations", strings.Replace(offerBody, `"REMN-B2"`, `"CMN-B1"`, 1), bodyToken, 422)
	v.call(t, "POST", "/api/formations", offerBody, anonymous, 401)
	for _, h := range []map[string]string{anonymous, member} {
		v.call(t, "GET", "/api/formations?a_venir=true&limit=5", "", h, 200)
		v.call(t, "GET", fmt.Sprintf("/api/formations?structure_id=%d&certification=REMN&bloc=REMN-B2&departement=69", ost.ID), "", h, 200)
		v.call(t, "GET", oURL, "", h, 200)
	}
	v.call(t, "GET", "/api/formations?limit=0", "", nil, 422)
	v.call(t, "GET", "/api/formations", "", unknown, 401)
	v.call(t, "GET", oURL, "", unknown, 401)
	v.call(t, "GET", "/api/formations/999999999", "", nil, 404)
	update := `{"title": "Offre du schéma modifiée", "objectives": "o", "certifications": ["REMN"], "blocs": ["REMN-B2", "REMN-B3"], "modality": "presentiel"}`
	v.call(t, "PUT", oURL, update, bodyToken, 200)
	v.call(t, "PUT", oURL, update, member, 403)
	v.call(t, "PUT", "/api/formations/999999999", update, bodyToken, 404)
	v.call(t, "PUT", oURL, `{"title": "", "objectives": "o", "modality": "fusee"}`, bodyToken, 422)
	v.call(t, "PUT", oURL, update, unknown, 401)
	sessionBody := fmt.Sprintf(`{"start": %q, "end": %q, "place": {"remote": true}, "seats": 5, "seats_left": 5}`, soon, later)
	r = v.call(t, "POST", oURL+"/sessions", sessionBody, bodyToken, 201)
	var sess struct{ ID int64 }
	decode(t, r, &sess)
	sURL := fmt.Sprintf("/api/formations/sessions/%d", sess.ID)
	v.call(t, "POST", oURL+"/sessions", sessionBody, member, 403)
	v.call(t, "POST", "/api/formations/999999999/sessions", sessionBody, bodyToken, 404)
	v.call(t, "POST", oURL+"/sessions", fmt.Sprintf(`{"start": %q, "end": %q, "place": {"remote": true}, "seats": -1}`, later, soon), bodyToken, 422)
	v.call(t, "POST", oURL+"/sessions", sessionBody, unknown, 401)
	v.call(t, "PUT", sURL, sessionBody, bodyToken, 200)
	v.call(t, "PUT", sURL, sessionBody, member, 403)
	v.call(t, "PUT", "/api/formations/sessions/999999999", sessionBody, bodyToken, 404)
	v.call(t, "PUT", sURL, fmt.Sprintf(`{"start": %q, "end": %q, "place": {"remote": true}, "seats_left": 3}`, soon, later), bodyToken, 422)
	v.call(t, "PUT", sURL, sessionBody, unknown, 401)
	past := time.Now().Add(-10 * 24 * time.Hour)
	ran, err := a.Training.CreateSession(context.Background(), maillage.Viewer{UserID: bodyOwner.ID}, offer.ID,
		&training.Session{Start: past, End: past.Add(time.Hour), Registration: training.RegistrationOpen, Place: training.Place{Remote: true}})
	if err != nil {
		t.Fatal(err)
	}
	pastURL := fmt.Sprintf("/api/formations/sessions/%d", ran.ID)
	v.call(t, "PUT", pastURL, sessionBody, bodyToken, 409)
	v.call(t, "DELETE", pastURL, "", bodyToken, 409)
	v.call(t, "DELETE", sURL, "", member, 403)
	v.call(t, "DELETE", sURL, "", unknown, 401)
	v.call(t, "DELETE", sURL, "", bodyToken, 204)
	v.call(t, "DELETE", sURL, "", bodyToken, 404)
	v.call(t, "DELETE", oURL, "", member, 403)
	v.call(t, "DELETE", oURL, "", unknown, 401)
	v.call(t, "DELETE", "/api/formations/999999999", "", bodyToken, 404)
	v.call(t, "DELETE", oURL, "", bodyToken, 204) // withdrawn: it ran once
	v.call(t, "GET", oURL, "", nil, 200)
	v.call(t, "GET", "/api/moi/parcours", "", token, 200) // the owner's profile holds REMN whole: another title, or none
	v.call(t, "GET", "/api/moi/parcours?rayon=100&distance=0&certification=REMN", "", token, 200)
	v.call(t, "GET", "/api/moi/parcours?rayon=7", "", token, 422)
	v.call(t, "GET", "/api/moi/parcours", "", newcomer, 404)
	v.call(t, "GET", "/api/moi/parcours", "", anonymous, 401)
	v.call(t, "GET", "/api/moi/parcours", "", unknown, 401)
	// Mentoring: a conseillère finds a mentor and asks; the mentor answers;
	// meetings, the end; the public coverage.
	mentee := newUser(t, a, "api-schema-mentoree@exemple.fr", nil)
	mentor := newUser(t, a, "api-schema-mentor@exemple.fr", nil)
	third := bearer(newToken(t, a, newUser(t, a, "api-schema-tiers@exemple.fr", nil)))
	conseiller, mediateur := maillage.KindConseiller, maillage.KindMediateur
	saveProfile(t, a, mentee, maillage.ProfileUpdate{Kind: &conseiller, DisplayName: ptr("Mentorée Schéma"), Commune: ptr("69123")})
	mp := saveProfile(t, a, mentor, maillage.ProfileUpdate{Kind: &mediateur, DisplayName: ptr("Mentor Schéma"), Commune: ptr("69266"),
		Competences: &[]maillage.ProfileCompetence{{Code: "1.1", Level: 6}}, Mentor: &maillage.MentorSettings{Available: true, Capacity: 2, RadiusKm: 20, Themes: []string{"Pix"}}})
	menteeToken, mentorToken, menteeSession := bearer(newToken(t, a, mentee)), bearer(newToken(t, a, mentor)), newSession(t, a, mentee)
	v.call(t, "GET", "/api/mentorat/mentors?max_km=20&remote=true&themes=Pix", "", menteeToken, 200)
	v.call(t, "GET", "/api/mentorat/mentors?max_km=7", "", menteeToken, 422)
	v.call(t, "GET", "/api/mentorat/mentors", "", anonymous, 401)
	ask := fmt.Sprintf(`{"mentor_id": %d, "max_km": 20, "message": "Bonjour", "remote": false}`, mp.ID)
	v.call(t, "POST", "/api/mentorat/demandes", ask, cookie(menteeSession, false), 403)
	v.call(t, "POST", "/api/mentorat/demandes", ask, anonymous, 401)
	v.call(t, "POST", "/api/mentorat/demandes", fmt.Sprintf(`{"mentor_id": %d, "max_km": 7}`, mp.ID), menteeToken, 422) // not a distance of the list
	r = v.call(t, "POST", "/api/mentorat/demandes", ask, menteeToken, 201)
	var req struct{ ID int64 }
	decode(t, r, &req)
	v.call(t, "POST", "/api/mentorat/demandes", ask, menteeToken, 422) // twice
	one := fmt.Sprintf("/api/mentorat/demandes/%d", req.ID)
	v.call(t, "GET", one, "", menteeToken, 200)
	v.call(t, "GET", one, "", third, 404)
	v.call(t, "GET", one, "", anonymous, 401)
	v.call(t, "GET", "/api/mentorat/demandes?role=mentor&status=envoyee", "", mentorToken, 200)
	v.call(t, "GET", "/api/mentorat/demandes", "", menteeToken, 200)
	v.call(t, "GET", "/api/mentorat/demandes?role=arbitre", "", menteeToken, 422)
	v.call(t, "GET", "/api/mentorat/demandes", "", anonymous, 401)
	v.call(t, "POST", one+"/reponse", `{"accept": true}`, menteeToken, 404) // the mentee does not answer
	v.call(t, "POST", one+"/reponse", `{"accept": true, "message": "`+strings.Repeat("x", 2001)+`"}`, mentorToken, 422)
	v.call(t, "POST", one+"/reponse", `{"accept": true}`, cookie(newSession(t, a, mentor), false), 403)
	v.call(t, "POST", one+"/reponse", `{"accept": true}`, anonymous, 401)
	r = v.call(t, "POST", one+"/reponse", `{"accept": true, "message": "Avec plaisir"}`, mentorToken, 200)
	var answered struct {
		PairingID int64 `json:"pairing_id"`
	}
	decode(t, r, &answered)
	pairing := fmt.Sprintf("/api/mentorat/binomes/%d", answered.PairingID)
	today := maillage.Today(time.Now()).Format(time.DateOnly)
	meeting := `{"date": "` + today + `", "duration_min": 45, "format": "visio", "topics": ["1.1"], "notes": "n", "validate": [{"code": "1.1", "level": 4}]}`
	v.call(t, "POST", pairing+"/rencontres", meeting, mentorToken, 201)
	v.call(t, "POST", pairing+"/rencontres", `{"date": "2099-01-01", "duration_min": 45, "format": "visio"}`, menteeToken, 422)
	v.call(t, "POST", pairing+"/rencontres", meeting, third, 404)
	v.call(t, "POST", pairing+"/rencontres", meeting, cookie(menteeSession, false), 403)
	v.call(t, "POST", pairing+"/rencontres", meeting, anonymous, 401)
	v.call(t, "GET", pairing+"/rencontres", "", menteeToken, 200)
	v.call(t, "GET", pairing+"/rencontres", "", third, 404)
	v.call(t, "GET", pairing+"/rencontres", "", anonymous, 401)
	v.call(t, "GET", "/api/mentorat/binomes", "", mentorToken, 200)
	v.call(t, "GET", "/api/mentorat/binomes", "", anonymous, 401)
	v.call(t, "POST", pairing+"/fin", `{"reason": " "}`, menteeToken, 422)
	v.call(t, "POST", pairing+"/fin", `{"reason": "x"}`, third, 404)
	v.call(t, "POST", pairing+"/fin", `{"reason": "x"}`, cookie(menteeSession, false), 403)
	v.call(t, "POST", pairing+"/fin", `{"reason": "x"}`, anonymous, 401)
	v.call(t, "POST", pairing+"/fin", `{"reason": "Objectifs atteints"}`, menteeToken, 200)
	r = v.call(t, "POST", "/api/mentorat/demandes", fmt.Sprintf(`{"mentor_id": %d, "max_km": 20}`, mp.ID), third, 422) // no profile
	r = v.call(t, "POST", "/api/mentorat/demandes", ask, menteeToken, 422)                                             // the pairing ended
	// a request withdrawn
	other := newUser(t, a, "api-schema-autre@exemple.fr", nil)
	saveProfile(t, a, other, maillage.ProfileUpdate{Kind: &conseiller, DisplayName: ptr("Autre Schéma"), Commune: ptr("69123")})
	otherToken := bearer(newToken(t, a, other))
	r = v.call(t, "POST", "/api/mentorat/demandes", ask, otherToken, 201)
	decode(t, r, &req)
	withdraw := fmt.Sprintf("/api/mentorat/demandes/%d/annulation", req.ID)
	v.call(t, "POST", withdraw, "", mentorToken, 404)
	v.call(t, "POST", withdraw, "", cookie(newSession(t, a, other), false), 403)
	v.call(t, "POST", withdraw, "", anonymous, 401)
	v.call(t, "POST", withdraw, "", otherToken, 200)
	v.call(t, "GET", "/api/mentorat/couverture", "", anonymous, 200)
	v.call(t, "GET", "/api/mentorat/couverture?region=84", "", member, 200)
	v.call(t, "GET", "/api/mentorat/couverture?region=99", "", anonymous, 404)
	v.call(t, "GET", "/api/mentorat/couverture?region=abc", "", anonymous, 422)
	recruitingAPICalls(t, a, v) // offers and applications (recruiting_test.go)

	noVersion := "the content always has a version in force"
	v.coverage(t, map[string]map[string]string{
		"GET /api/recherche":       {"503": "needs both Meilisearch and PostgreSQL down (TestDegradedMode covers the search side)"},
		"GET /api/charte":          {"404": noVersion},
		"GET /api/charte/versions": {"404": noVersion},
		"GET /api/moi/charte":      {"404": noVersion},
	})
}
