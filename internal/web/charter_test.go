package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"maillage/internal/app"
	"maillage/internal/charter"
	"maillage/internal/maillage"
	"maillage/internal/testenv"
)

var (
	charterTextRe = regexp.MustCompile(`(?s)<div class="charter-text" id="charte-texte" lang="fr">(.*?)</div>`)
	hiddenRe      = regexp.MustCompile(`<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)">`)
)

// shownText is the charter text exactly as a page carries it.
func shownText(t *testing.T, body string) string {
	t.Helper()
	m := charterTextRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no charter text in the page:\n%s", body)
	}
	return m[1]
}

// signForm reads the hidden fields of the signing form as the page gave them.
func signForm(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(body, -1) {
		if m[1] != "_csrf" {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	if v.Get("text_sha256") == "" || v.Get("version") == "" || v.Get("consent_sha256") == "" {
		t.Fatalf("signing form without its hidden fields: %v", v)
	}
	return v
}

// fieldError is the message next to an input (partials_field, or the
// consent box).
func fieldError(body, field string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(html.UnescapeString(m[1]), "\u00a0", " ")
}

// TestCharterPagesShowTheHashedText: the current version is public, the
// text the page shows hashes to the SHA-256 stored and carried by the
// form, and a signature made from that page records that hash.
func TestCharterPagesShowTheHashedText(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	cur, err := a.Charter.Current(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, a.Web.App(), "GET", "/charte", nil)
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "Charte de l'aidant numérique", "Agir avec la personne, pas à sa place", cur.SHA256, `href="/static/css/charter.css"`)
	if got := charter.TextSHA256(shownText(t, r.Body)); got != cur.SHA256 {
		t.Errorf("SHA-256 of the text /charte shows = %s, stored %s", got, cur.SHA256)
	}

	u := newUser(t, a, "lecture-signature@exemple.fr", nil)
	session := newSession(t, a, u)
	r = do(t, a.Web.App(), "GET", "/charte/signer", map[string]string{"Cookie": "maillage_session=" + session})
	wantStatus(t, r, 200)
	shown := shownText(t, r.Body)
	form := signForm(t, r.Body)
	if charter.TextSHA256(shown) != form.Get("text_sha256") || form.Get("text_sha256") != cur.SHA256 {
		t.Fatalf("text shown hashes to %s, form carries %s, stored %s", charter.TextSHA256(shown), form.Get("text_sha256"), cur.SHA256)
	}
	consent := a.Catalog.T("fr", "charter.sign.consent")
	if !strings.Contains(html.UnescapeString(r.Body), consent) || form.Get("consent_sha256") != charter.ConsentSHA256(consent) {
		t.Error("the consent sentence shown is not the one hashed")
	}
	form.Set("consent", "on")
	form.Set("typed_name", "Lou Lecture")
	r = postForm(t, a, session, "/charte/signer", form, map[string]string{"User-Agent": "Navigateur de test/1.0"})
	if r.Status != 303 || r.Header.Get("Location") != "/charte/mon-attestation" {
		t.Fatalf("sign: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	st, err := a.Charter.Standing(ctx, u.ID, time.Now())
	if err != nil || !st.Signed {
		t.Fatalf("standing: %+v %v", st, err)
	}
	if st.Signature.TextSHA256 != charter.TextSHA256(shown) {
		t.Errorf("stored text hash %s, the page showed %s", st.Signature.TextSHA256, charter.TextSHA256(shown))
	}
	if st.Signature.UserAgent != "Navigateur de test/1.0" || st.Signature.IP == "" || st.Signature.AuthMethod != "test" ||
		st.Signature.SessionID != maillage.HashToken(session) || st.Signature.Email != u.Email {
		t.Errorf("evidence of the request: %+v", st.Signature)
	}

	// Earlier versions stay readable with what changed.
	if cur.Number >= 2 {
		r = do(t, a.Web.App(), "GET", fmt.Sprintf("/charte/versions/%d", cur.Number), nil)
		wantStatus(t, r, 200)
		mustContain(t, r.Body, fmt.Sprintf("Ce qui a changé depuis la version %d", cur.Number-1), "Ajouté")
		r = do(t, a.Web.App(), "GET", "/charte/versions/1", nil)
		wantStatus(t, r, 200)
		mustContain(t, r.Body, "La version 1 a été remplacée par la version")
		if v1, _ := a.Charter.Version(ctx, 1); charter.TextSHA256(shownText(t, r.Body)) != v1.SHA256 {
			t.Error("version 1's page does not show the text of version 1")
		}
	}
	r = do(t, a.Web.App(), "GET", "/charte/versions", nil)
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "Versions de la charte", "en vigueur")
	wantStatus(t, do(t, a.Web.App(), "GET", "/charte/versions/999", nil), 404)
}

// TestCharterBadInput: every refusal says why in French next to its field
// (or at the top of the form), keeps what was typed, and loses nothing
// already saved.
func TestCharterBadInput(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	u := newUser(t, a, "saisie-charte@exemple.fr", nil)
	session := newSession(t, a, u)
	page := do(t, a.Web.App(), "GET", "/charte/signer", map[string]string{"Cookie": "maillage_session=" + session})
	form := signForm(t, page.Body)

	f := cloneValues(form)
	f.Set("consent", "on")
	f.Set("typed_name", "   ")
	r := postForm(t, a, session, "/charte/signer", f, nil)
	wantStatus(t, r, 422)
	if got := fieldError(r.Body, "typed_name"); got != "Tapez votre nom pour signer." {
		t.Errorf("empty typed name: %q", got)
	}

	f = cloneValues(form)
	f.Set("typed_name", "Nina Oubli")
	r = postForm(t, a, session, "/charte/signer", f, nil)
	wantStatus(t, r, 422)
	if got := fieldError(r.Body, "consent"); !strings.Contains(got, "Cochez la case") {
		t.Errorf("consent not ticked: %q", got)
	}
	mustContain(t, r.Body, `value="Nina Oubli"`)

	if cur, _ := a.Charter.Current(ctx, time.Now()); cur.Number >= 2 {
		v1, _ := a.Charter.Version(ctx, 1)
		f = cloneValues(form)
		f.Set("version", "1")
		f.Set("text_sha256", v1.SHA256)
		f.Set("consent", "on")
		f.Set("typed_name", "Nina Oubli")
		r = postForm(t, a, session, "/charte/signer", f, nil)
		wantStatus(t, r, 409)
		mustContain(t, r.Body, fmt.Sprintf("Vous avez lu la version 1, mais la version %d de la charte est maintenant en vigueur", cur.Number))
		if charter.TextSHA256(shownText(t, r.Body)) != cur.SHA256 {
			t.Error("the form does not come back with the current text")
		}
	}
	f = cloneValues(form)
	f.Set("text_sha256", charter.TextSHA256("un autre texte"))
	f.Set("consent", "on")
	f.Set("typed_name", "Nina Oubli")
	wantStatus(t, postForm(t, a, session, "/charte/signer", f, nil), 409)
	if st, _ := a.Charter.Standing(ctx, u.ID, time.Now()); st.Signed {
		t.Fatal("a refused form was recorded")
	}

	f = cloneValues(form)
	f.Set("consent", "on")
	f.Set("typed_name", "Nina Oubli")
	wantStatus(t, postForm(t, a, session, "/charte/signer", f, nil), 303)
	st, _ := a.Charter.Standing(ctx, u.ID, time.Now())
	// The same form again (back button, double click): refused, nothing lost.
	r = postForm(t, a, session, "/charte/signer", f, nil)
	wantStatus(t, r, 409)
	mustContain(t, r.Body, "Vous avez déjà signé la version", st.Signature.SignatureCode, "rien n'a été perdu")
	if again, _ := a.Charter.Standing(ctx, u.ID, time.Now()); again.Signature.Hash != st.Signature.Hash {
		t.Error("the replayed form changed the signature")
	}

	// Forged verification codes.
	for code, want := range map[string]string{
		charter.NewCode():           "Aucune signature ne porte ce code",
		"pas-un-code":               "Ce code n'est pas un code de vérification",
		"<script>alert(1)</script>": "Ce code n'est pas un code de vérification",
	} {
		r = do(t, a.Web.App(), "GET", "/charte/verifier/"+url.PathEscape(code), nil)
		if r.Status != 404 || !strings.Contains(fieldError(r.Body, "code"), want) || strings.Contains(r.Body, "<script>alert") {
			t.Errorf("verify %q: %d %q", code, r.Status, fieldError(r.Body, "code"))
		}
	}
	r = do(t, a.Web.App(), "GET", "/charte/verifier?code=ABC", nil)
	if r.Status != 422 || fieldError(r.Body, "code") == "" || !strings.Contains(r.Body, `value="ABC"`) {
		t.Errorf("verify form with a short code: %d", r.Status)
	}
	r = do(t, a.Web.App(), "GET", "/charte/verifier?code="+url.QueryEscape(strings.ToLower(st.Signature.SignatureCode)), nil)
	if r.Status != 303 || r.Header.Get("Location") != "/charte/verifier/"+st.Signature.SignatureCode {
		t.Errorf("verify form: %d %s", r.Status, r.Header.Get("Location"))
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// signAs signs the current version for u through the service, with the
// evidence of a session.
func signAs(t *testing.T, a *app.App, u *maillage.User, name string, structureID *int64) charter.Event {
	t.Helper()
	ctx := context.Background()
	cur, err := a.Charter.Current(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	consent := a.Catalog.T("fr", "charter.sign.consent")
	e, err := a.Charter.Sign(ctx, charter.SignInput{Version: cur.Number, TextSHA256: cur.SHA256, ConsentSHA256: charter.ConsentSHA256(consent),
		Consent: true, TypedName: name, StructureID: structureID}, consent, "fr",
		charter.Origin{At: time.Now(), UserID: u.ID, IP: "198.51.100.23", UserAgent: "Agent-Secret/9.9", AuthMethod: "email",
			SessionHash: maillage.HashToken("s-" + u.Email)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestCharterVerificationRevealsNothingPrivate: the public page and API
// show the name typed, the version, the date and the status, and none of
// the e-mail, structure, address, browser, session or evidence.
func TestCharterVerificationRevealsNothingPrivate(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	u := newUser(t, a, "discrete.aidante@exemple.fr", nil)
	st, _, err := a.Structures.CreateStructure(ctx, u.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: "W692000777", Nom: "Maison Secrète Solidarités", Adresse: "3 rue Cachée", CodePostal: "69001", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	e := signAs(t, a, u, "Dominique Discrète", &st.ID)
	private := []string{u.Email, "discrete.aidante", "198.51.100.23", "Agent-Secret", st.Lieu.Nom, e.SessionID, e.Hash, e.ConsentSHA256}

	r := do(t, a.Web.App(), "GET", "/charte/verifier/"+e.SignatureCode, nil)
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "Signature valide", "Dominique Discrète", e.SignatureCode)
	r2 := send(t, a, "GET", "/api/charte/verifier/"+strings.ToLower(e.SignatureCode), "", nil)
	wantStatus(t, r2, 200)
	var body map[string]any
	decode(t, r2, &body)
	keys := []string{}
	for k := range body {
		keys = append(keys, k)
	}
	if len(body) != 5 || body["typed_name"] != "Dominique Discrète" || body["status"] != "valid" || body["code"] != e.SignatureCode ||
		body["version"] != float64(e.Version) || body["signed_at"] == nil {
		t.Errorf("API verification: %v", body)
	}
	for _, where := range []response{r, r2} {
		for _, s := range private {
			if strings.Contains(where.Body, s) {
				t.Errorf("the verification reveals %q", s)
			}
		}
	}
	wantStatus(t, send(t, a, "GET", "/api/charte/verifier/0000-0000-0001", "", nil), 404)

	// The registry publishes the head, the page and the API alike.
	head, err := a.Charter.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r = do(t, a.Web.App(), "GET", "/charte/registre", nil)
	wantStatus(t, r, 200)
	mustContain(t, r.Body, head.Hash, "maillage charter verify")
	r2 = send(t, a, "GET", "/api/charte/registre", "", nil)
	var reg struct {
		Head    charter.Head   `json:"head"`
		History []charter.Head `json:"history"`
	}
	decode(t, r2, &reg)
	if reg.Head.Hash != head.Hash || reg.Head.Count != head.Count || len(reg.History) == 0 || reg.History[0].Hash != head.Hash {
		t.Errorf("registry API: %+v, head %+v", reg, head)
	}
	for _, s := range private[:5] {
		if strings.Contains(r.Body+r2.Body, s) {
			t.Errorf("the registry reveals %q", s)
		}
	}
}

// TestCharterWithdrawalAndRevocation: the signer withdraws, an
// administrator revokes with a reason (audited); both are chain events
// the verification page reports.
func TestCharterWithdrawalAndRevocation(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	u := newUser(t, a, "retrait.charte@exemple.fr", nil)
	session := newSession(t, a, u)
	e := signAs(t, a, u, "Rémi Retrait", nil)
	r := postForm(t, a, session, "/charte/retirer", url.Values{"reason": {strings.Repeat("x", charter.MaxReason+1)}}, nil)
	wantStatus(t, r, 422)
	if got := fieldError(r.Body, "reason"); !strings.Contains(got, "1") {
		t.Errorf("reason too long: %q", got)
	}
	r = postForm(t, a, session, "/charte/retirer", url.Values{"reason": {"Je quitte l'association."}}, nil)
	if r.Status != 303 {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
	r = do(t, a.Web.App(), "GET", "/charte/verifier/"+e.SignatureCode, nil)
	mustContain(t, r.Body, "Signature retirée", "Retirée par la personne qui l'avait signée")
	r = postForm(t, a, session, "/charte/retirer", url.Values{}, nil)
	wantStatus(t, r, 409)
	mustContain(t, r.Body, "Cette signature a déjà été retirée.")
	wantStatus(t, do(t, a.Web.App(), "GET", "/charte/mon-attestation.pdf", map[string]string{"Cookie": "maillage_session=" + session}), 409)

	v := newUser(t, a, "revoquee.charte@exemple.fr", nil)
	e2 := signAs(t, a, v, "Vic Révoquée", nil)
	admin := newUser(t, a, "admin.charte@exemple.fr", &maillage.RoleGrant{Role: maillage.RoleAdministrateur})
	as := newSession(t, a, admin)
	r = do(t, a.Web.App(), "GET", "/admin/charte?code="+e2.SignatureCode, map[string]string{"Cookie": "maillage_session=" + as})
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "Preuve de la signature "+e2.SignatureCode, v.Email, "198.51.100.23")
	r = postForm(t, a, as, "/admin/charte/revoquer", url.Values{"code": {e2.SignatureCode}, "reason": {"  "}}, nil)
	wantStatus(t, r, 422)
	if got := fieldError(r.Body, "reason"); !strings.Contains(got, "Indiquez le motif de la révocation") {
		t.Errorf("revocation without a reason: %q", got)
	}
	r = postForm(t, a, as, "/admin/charte/revoquer", url.Values{"code": {"ZZZZ-0000-ZZZZ"}, "reason": {"x"}}, nil)
	if r.Status != 422 || fieldError(r.Body, "code") == "" {
		t.Errorf("revoke a forged code: %d %q", r.Status, fieldError(r.Body, "code"))
	}
	r = postForm(t, a, as, "/admin/charte/revoquer", url.Values{"code": {e2.SignatureCode}, "reason": {"Signature tierce."}}, nil)
	if r.Status != 303 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	r = do(t, a.Web.App(), "GET", "/charte/verifier/"+e2.SignatureCode, nil)
	mustContain(t, r.Body, "Signature révoquée")
	sig, later, err := a.Charter.Signature(ctx, e2.SignatureCode)
	if err != nil || len(later) != 1 || later[0].Kind != charter.KindRevocation || later[0].ActorID != admin.ID || later[0].Reason != "Signature tierce." || sig.Hash != e2.Hash {
		t.Errorf("revocation recorded: %+v %v", later, err)
	}
	audit, err := a.Users.FindAudit(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, en := range audit {
		found = found || (en.Action == "charter.revoked" && en.ActorID != nil && *en.ActorID == admin.ID)
	}
	if !found {
		t.Error("the revocation is not in the audit log")
	}
	r = do(t, a.Web.App(), "GET", "/admin/journal", map[string]string{"Cookie": "maillage_session=" + as})
	mustContain(t, r.Body, "Signature de la charte révoquée")
}

// TestCharterAttestation: the PDF parses with pdfcpu, carries the code and
// the evidence attached, and its page renders the accents (drawn with
// pdftoppm: the image is looked at, its text read back with pdftotext).
func TestCharterAttestation(t *testing.T) {
	a := testenv.Get(t).App(t)
	u := newUser(t, a, "attestation.web@exemple.fr", nil)
	session := newSession(t, a, u)
	e := signAs(t, a, u, "Hélène Ångström-Çelik", nil)
	r := do(t, a.Web.App(), "GET", "/charte/mon-attestation.pdf", map[string]string{"Cookie": "maillage_session=" + session})
	wantStatus(t, r, 200)
	if r.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") ||
		r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", r.Header)
	}
	pdf := []byte(r.Body)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	if err := api.Validate(bytes.NewReader(pdf), conf); err != nil {
		t.Fatalf("pdfcpu: %v", err)
	}
	atts, err := api.ExtractAttachmentsRaw(bytes.NewReader(pdf), "", nil, nil)
	if err != nil || len(atts) != 1 || atts[0].FileName != charter.EvidenceFileName(e.SignatureCode) {
		t.Fatalf("attachments: %v %v", atts, err)
	}
	raw, _ := io.ReadAll(atts[0])
	var ev charter.Evidence
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Event.Hash != e.Hash || charter.TextSHA256(ev.Canonical) != e.Hash || charter.TextSHA256(ev.CharterHTML) != e.TextSHA256 ||
		ev.VerifyURL != a.Config.BaseURL.String()+"/charte/verifier/"+e.SignatureCode {
		t.Errorf("evidence: hash %s verify %s", ev.Event.Hash, ev.VerifyURL)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "attestation.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(strings.ReplaceAll(tool(t, "pdftotext", "-enc", "UTF-8", path, "-"), "\u00a0", " ")), " ")
	for _, s := range []string{e.SignatureCode, "Hélène Ångström-Çelik a signé électroniquement la version", "Charte de l'aidant numérique", "Empreinte SHA-256"} {
		if !strings.Contains(text, s) {
			t.Errorf("the attestation's text lacks %q:\n%s", s, text)
		}
	}
	tool(t, "pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", path, filepath.Join(dir, "page"))
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if share := darkPixels(img); share < 0.02 || share > 0.4 {
		t.Errorf("page 1 is %.1f %% dark: blank or garbled", share*100)
	}
	if out := os.Getenv("CHARTER_ATTESTATION_DIR"); out != "" { // to look at it
		b, _ := os.ReadFile(filepath.Join(dir, "page.png"))
		_ = os.WriteFile(filepath.Join(out, "web-page.png"), b, 0o644)
	}
	// Someone else gets their own attestation or none.
	other := newSession(t, a, newUser(t, a, "nopdf.charte@exemple.fr", nil))
	wantStatus(t, do(t, a.Web.App(), "GET", "/charte/mon-attestation.pdf", map[string]string{"Cookie": "maillage_session=" + other}), 404)
}

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: apt-get install poppler-utils", name)
	}
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}

func darkPixels(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

// TestCharterBadge: the badge shows on the profile page to whom the person
// allows, never wider than the profile, and only while the signature is
// valid.
func TestCharterBadge(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	u := newUser(t, a, "badge.charte@exemple.fr", nil)
	session := newSession(t, a, u)
	kind, name := maillage.KindAidant, "Bea Badge"
	p := saveProfile(t, a, u, maillage.ProfileUpdate{Kind: &kind, DisplayName: &name,
		Visibility: map[string]maillage.Visibility{maillage.FieldProfile: maillage.VisPublic}})
	e := signAs(t, a, u, name, nil)
	member := newSession(t, a, newUser(t, a, "badge.membre@exemple.fr", nil))
	target := fmt.Sprintf("/profils/%d", p.ID)
	badge := "Signataire de la charte de l'aidant numérique"
	shows := func(headers map[string]string) bool {
		r := do(t, a.Web.App(), "GET", target, headers)
		wantStatus(t, r, 200)
		return strings.Contains(html.UnescapeString(r.Body), badge)
	}
	anon, signedIn, owner := map[string]string(nil), map[string]string{"Cookie": "maillage_session=" + member}, map[string]string{"Cookie": "maillage_session=" + session}
	if shows(anon) || shows(signedIn) || !shows(owner) {
		t.Error("private by default: only the person sees it")
	}
	wantStatus(t, postForm(t, a, session, "/charte/badge", url.Values{"badge": {"members"}}, nil), 303)
	if shows(anon) || !shows(signedIn) {
		t.Error("members: members see it, the public does not")
	}
	wantStatus(t, postForm(t, a, session, "/charte/badge", url.Values{"badge": {"public"}}, nil), 303)
	if !shows(anon) {
		t.Error("public: anyone sees it")
	}
	r := do(t, a.Web.App(), "GET", target, nil)
	mustContain(t, r.Body, `href="/charte/verifier/`+e.SignatureCode+`"`)
	r = postForm(t, a, session, "/charte/badge", url.Values{"badge": {"everyone"}}, nil)
	wantStatus(t, r, 422)
	if fieldError(r.Body, "badge") == "" {
		t.Error("an unknown choice has no message")
	}
	if _, err := a.Charter.Withdraw(ctx, charter.Origin{At: time.Now(), UserID: u.ID, SessionHash: maillage.HashToken(session)}, ""); err != nil {
		t.Fatal(err)
	}
	if shows(anon) || shows(owner) {
		t.Error("a withdrawn signature still shows its badge")
	}
}

// TestCharterStructurePage: a referent sees which member signed which
// version and invites by e-mail (same answer whether or not the address
// has an account); other members are refused.
func TestCharterStructurePage(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "referente.charte@exemple.fr", nil)
	st, _, err := a.Structures.CreateStructure(ctx, ref.ID, &maillage.Structure{Roles: []maillage.StructureRole{maillage.StructureLieu}, Lieu: maillage.Lieu{
		Pivot: "W692000888", Nom: "Espace Aidants Rhône", Adresse: "8 quai Nord", CodePostal: "69002", Commune: "Lyon", CodeInsee: "69123"}})
	if err != nil {
		t.Fatal(err)
	}
	aidant := newUser(t, a, "aidant.structure@exemple.fr", nil)
	testenv.Join(t, a, ref, st.ID, aidant, maillage.MemberMediateur)
	signAs(t, a, aidant, "Ali Aidant", &st.ID)
	rs := newSession(t, a, ref)
	r := do(t, a.Web.App(), "GET", fmt.Sprintf("/charte/structures/%d", st.ID), map[string]string{"Cookie": "maillage_session=" + rs})
	wantStatus(t, r, 200)
	mustContain(t, r.Body, "Signatures de la charte — Espace Aidants Rhône", "Valide", "Pas encore signée", "1 signature valide")
	wantStatus(t, do(t, a.Web.App(), "GET", fmt.Sprintf("/charte/structures/%d", st.ID), map[string]string{"Cookie": "maillage_session=" + newSession(t, a, aidant)}), 403)

	for _, to := range []string{"aidant.structure@exemple.fr", "personne.inconnue@exemple.fr"} {
		r = postForm(t, a, rs, fmt.Sprintf("/charte/structures/%d/invitations", st.ID), url.Values{"email": {to}, "message": {"À signer avant vendredi."}}, nil)
		if r.Status != 303 {
			t.Fatalf("invite %s: %d %s", to, r.Status, r.Body)
		}
	}
	r = postForm(t, a, rs, fmt.Sprintf("/charte/structures/%d/invitations", st.ID), url.Values{"email": {"pas une adresse"}, "message": {"Bonjour"}}, nil)
	wantStatus(t, r, 422)
	if fieldError(r.Body, "email") == "" || !strings.Contains(r.Body, ">Bonjour</textarea>") {
		t.Errorf("bad address: %q", fieldError(r.Body, "email"))
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: "personne.inconnue@exemple.fr", Kind: "charter_invitation"})
	if err != nil || len(ms) != 1 || !strings.Contains(ms[0].Text, "Espace Aidants Rhône") || !strings.Contains(ms[0].Text, "À signer avant vendredi.") {
		t.Errorf("invitation mail: %v %v", ms, err)
	}
	r = do(t, a.Web.App(), "GET", "/tableau-de-bord", map[string]string{"Cookie": "maillage_session=" + rs})
	wantStatus(t, r, 200)
}

// TestCharterInvitationsAreNotAMailCannon: an invitation to sign mails an
// address a text its inviter writes, under a structure name they chose.
// The address was protected per structure only: anyone may create
// structures, so one person mailed the same address once per structure
// they created, each day. One inviter now invites an address once a day,
// whatever the structure; another structure's referent still may.
func TestCharterInvitationsAreNotAMailCannon(t *testing.T) {
	a := testenv.Get(t).App(t)
	ctx := context.Background()
	ref := newUser(t, a, "canon.charte@exemple.fr", nil)
	first := newStructure(t, a, ref, "W694400001", "Lieu qui fait signer")
	second := newStructure(t, a, ref, "W694400002", "Autre lieu qui fait signer")
	other := newUser(t, a, "autre.referente.charte@exemple.fr", nil)
	third := newStructure(t, a, other, "W694400003", "Lieu d'une autre référente")
	victim := "cible.charte@exemple.fr"
	for i, tt := range []struct {
		who    *maillage.User
		st     *maillage.Structure
		email  string
		status int
	}{
		{ref, first, victim, 303},
		{ref, first, victim, 422},
		{ref, second, victim, 422},                          // another structure of the same inviter
		{ref, second, strings.ToUpper(victim), 422},         // the same address written otherwise
		{ref, second, "autre.cible.charte@exemple.fr", 303}, // another address
		{other, third, victim, 303},                         // another inviter, for their own structure
	} {
		r := postForm(t, a, newSession(t, a, tt.who), fmt.Sprintf("/charte/structures/%d/invitations", tt.st.ID),
			url.Values{"email": {tt.email}, "message": {"Signez."}}, nil)
		if r.Status != tt.status {
			t.Fatalf("invitation %d: %d, want %d", i+1, r.Status, tt.status)
		}
		if tt.status == 422 && fieldError(r.Body, "email") == "" {
			t.Errorf("invitation %d: no message next to the address", i+1)
		}
	}
	ms, _, err := a.Mails.FindMails(ctx, maillage.MailFilter{To: victim, Kind: "charter_invitation", Limit: 100})
	if err != nil || len(ms) != 2 {
		t.Errorf("%d mails to %s, want 2 (%v)", len(ms), victim, err)
	}
}
