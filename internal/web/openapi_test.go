package web_test

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

type openAPIDoc struct {
	OpenAPI    string                               `json:"openapi"`
	Info       map[string]any                       `json:"info"`
	Paths      map[string]map[string]map[string]any `json:"paths"`
	Components struct {
		Schemas         map[string]map[string]any `json:"schemas"`
		Responses       map[string]any            `json:"responses"`
		SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
	} `json:"components"`
}

func fetchOpenAPI(t *testing.T) (openAPIDoc, string) {
	t.Helper()
	a := testenv.Get(t).App(t)
	r := send(t, a, "GET", "/api/openapi.json", "", nil)
	wantStatus(t, r, 200)
	var doc openAPIDoc
	decode(t, r, &doc)
	return doc, r.Body
}

// TestOpenAPICoversRoutes fails when an /api/ route is missing from the
// OpenAPI document, or when the document describes an operation that is not
// a route; it also checks that the document holds together.
func TestOpenAPICoversRoutes(t *testing.T) {
	a := testenv.Get(t).App(t)
	doc, raw := fetchOpenAPI(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if doc.Info["title"] == "" || doc.Info["version"] == "" {
		t.Errorf("info: %v", doc.Info)
	}
	for _, name := range []string{"bearerAuth", "cookieSession"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("security scheme %s missing", name)
		}
	}
	if doc.Components.SecuritySchemes["bearerAuth"]["scheme"] != "bearer" {
		t.Errorf("bearerAuth: %v", doc.Components.SecuritySchemes["bearerAuth"])
	}
	for _, name := range []string{"Profile", "Structure", "Lieu", "Error", "Commune", "Competence", "Certification"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}

	param := regexp.MustCompile(`:(\w+)`)
	routes := map[string]bool{}
	for _, r := range a.Web.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		path := param.ReplaceAllString(r.Path, "{$1}")
		key := strings.ToLower(r.Method) + " " + path
		routes[key] = true
		if doc.Paths[path][strings.ToLower(r.Method)] == nil {
			t.Errorf("route %s %s is not described in the OpenAPI document (internal/web/openapi.go)", r.Method, r.Path)
		}
	}
	var ops []string
	for path, item := range doc.Paths {
		for method, op := range item {
			key := method + " " + path
			ops = append(ops, key)
			if !routes[key] {
				t.Errorf("the OpenAPI document describes %s, which is not a route", key)
			}
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s: no summary", key)
			}
			if s, _ := op["description"].(string); s == "" {
				t.Errorf("%s: no description", key)
			}
			responses, _ := op["responses"].(map[string]any)
			has2xx := false
			for code := range responses {
				has2xx = has2xx || strings.HasPrefix(code, "2")
			}
			if !has2xx {
				t.Errorf("%s: no success response", key)
			}
			// Every {param} of the path is declared as a path parameter.
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				found := false
				params, _ := op["parameters"].([]any)
				for _, p := range params {
					pm, _ := p.(map[string]any)
					found = found || (pm["in"] == "path" && pm["name"] == m[1] && pm["required"] == true)
				}
				if !found {
					t.Errorf("%s: path parameter %s not declared", key, m[1])
				}
			}
		}
	}
	sort.Strings(ops)
	if len(ops) < 11 {
		t.Errorf("only %d operations: %v", len(ops), ops)
	}

	// Every $ref points to something that exists.
	for _, m := range regexp.MustCompile(`"\$ref":\s*"([^"]+)"`).FindAllStringSubmatch(raw, -1) {
		ref := m[1]
		switch {
		case strings.HasPrefix(ref, "#/components/schemas/"):
			if doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")] == nil {
				t.Errorf("dangling $ref %s", ref)
			}
		case strings.HasPrefix(ref, "#/components/responses/"):
			if doc.Components.Responses[strings.TrimPrefix(ref, "#/components/responses/")] == nil {
				t.Errorf("dangling $ref %s", ref)
			}
		default:
			t.Errorf("unexpected $ref %s", ref)
		}
	}
}

// TestOpenAPISchemasMatchResponses checks that every key the API returns
// is a property of its schema, so the document does not drift from the code.
func TestOpenAPISchemasMatchResponses(t *testing.T) {
	a := testenv.Get(t).App(t)
	doc, _ := fetchOpenAPI(t)
	u := newUser(t, a, "api-schema@exemple.fr", nil)
	token := bearer(newToken(t, a, u))
	r := send(t, a, "PUT", "/api/moi/profil", `{"kind": "mediateur", "display_name": "Schéma Api", "bio": "b", "code_insee": "69123", "pix_level": 3,
		"open_to_work": true, "competences": [{"code": "1.1", "level": 3}], "titles": [{"certification_code": "REMN", "obtained_on": "2025-01-01"}],
		"mentor": {"available": true, "capacity": 1, "radius_km": 10, "remote": false, "themes": ["x"]}}`, token)
	wantStatus(t, r, 200)
	r = send(t, a, "POST", "/api/structures", fmt.Sprintf(`{"lieu": {"nom": "Lieu du schéma", "pivot": "W690000001", "commune": "Lyon", "code_postal": "69001",
		"code_insee": "69381", "adresse": "1 place", "latitude": 45.76, "longitude": 4.83, "typologie": ["MUNI"], "telephone": "+33478000000",
		"courriels": ["a@exemple.fr"], "site_web": ["https://exemple.fr"], "horaires": "Mo-Fr 09:00-12:00", "presentation_resume": "r",
		"presentation_detail": "d", "source": "s", "itinerance": ["Fixe"], "structure_parente": "p", "services": ["Aide aux démarches administratives"],
		"publics_specifiquement_adresses": ["Jeunes"], "prise_en_charge_specifique": ["Surdité"], "frais_a_charge": ["Gratuit"],
		"dispositif_programmes_nationaux": [%q], "formations_labels": [%q], "autres_formations_labels": "a", "modalites_acces": [%q],
		"modalites_accompagnement": [%q], "fiche_acces_libre": "https://acceslibre.beta.gouv.fr/x", "prise_rdv": "https://exemple.fr/rdv",
		"complement_adresse": "bâtiment B"}, "roles": ["lieu", "employeur"]}`, maillage.LieuDispositifs[0], maillage.LieuFormationsLabels[0],
		maillage.LieuModalitesAcces[0], maillage.LieuModalitesAccompagnement[0]), token)
	wantStatus(t, r, 201)
	var created struct{ ID int64 }
	decode(t, r, &created)

	check := func(schema string, v any, where string) {
		t.Helper()
		props, _ := doc.Components.Schemas[schema]["properties"].(map[string]any)
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: not an object: %v", where, v)
			return
		}
		for k := range m {
			if _, ok := props[k]; !ok {
				t.Errorf("%s: key %q is not a property of schema %s", where, k, schema)
			}
		}
		for _, req := range asStrings(doc.Components.Schemas[schema]["required"]) {
			if _, ok := m[req]; !ok {
				t.Errorf("%s: required %q missing", where, req)
			}
		}
	}
	get := func(target string) any {
		r := send(t, a, "GET", target, "", token)
		wantStatus(t, r, 200)
		var v any
		decode(t, r, &v)
		return v
	}

	me := get("/api/moi/profil").(map[string]any)
	check("Profile", me, "profile")
	check("MentorSettings", me["mentor"], "profile.mentor")
	check("ProfileCompetence", me["competences"].([]any)[0], "profile.competences")
	check("ProfileTitle", me["titles"].([]any)[0], "profile.titles")
	check("ProfileStructure", me["structures"].([]any)[0], "profile.structures")

	st := get(fmt.Sprintf("/api/structures/%d", created.ID)).(map[string]any)
	check("Structure", st, "structure")
	check("Lieu", st["lieu"], "structure.lieu")
	check("Member", st["members"].([]any)[0], "structure.members")
	if n := len(st["lieu"].(map[string]any)); n != 32 {
		t.Errorf("lieu has %d fields, want the 32 of the national standard", n)
	}

	for target, schema := range map[string]string{"/api/profils": "ProfileList", "/api/structures": "StructureList",
		"/api/referentiel/competences": "CompetenceList", "/api/referentiel/certifications": "CertificationList"} {
		l := get(target)
		check(schema, l, target)
		items := l.(map[string]any)["items"].([]any)
		item := strings.TrimSuffix(schema, "List")
		for i, it := range items {
			check(item, it, fmt.Sprintf("%s[%d]", target, i))
		}
		if item == "Certification" {
			for _, b := range items[0].(map[string]any)["blocs"].([]any) {
				check("Bloc", b, "bloc")
			}
		}
	}
	communes := get("/api/communes?q=lyon").(map[string]any)
	check("CommuneList", communes, "communes")
	check("Commune", communes["communes"].([]any)[0], "commune")

	r = send(t, a, "GET", "/api/profils/999999", "", nil)
	var e any
	decode(t, r, &e)
	check("Error", e, "error")
	r = send(t, a, "PUT", "/api/moi/profil", `{"pix_level": 99}`, token)
	decode(t, r, &e)
	check("Error", e, "validation error")

	// The closed lists of the document are the domain's.
	lieu := doc.Components.Schemas["Lieu"]["properties"].(map[string]any)
	services := lieu["services"].(map[string]any)["items"].(map[string]any)["enum"]
	if got := asStrings(services); strings.Join(got, "|") != strings.Join(maillage.LieuServices, "|") {
		t.Errorf("services enum %v", got)
	}
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}
