package charter_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"maillage/internal/charter"
	"maillage/internal/maillage"
)

// attestationData is a signature of version 2 by Camille Durand-Lefèvre on
// 3 December 2026 at 14:05 Paris time, with the French labels.
func attestationData(t testing.TB) charter.AttestationData {
	t.Helper()
	tr := newTranslator(t)
	v2 := realVersions(t)[1]
	consent := tr.tr("fr", "charter.sign.consent")
	at := time.Date(2026, 12, 3, 13, 5, 27, 0, time.UTC)
	code := fixedCodes(t, 1)[0]
	sid := int64(12)
	o := origin(7, at)
	sig, err := charter.NewSignature(charter.SignInput{
		Version: 2, TextSHA256: v2.SHA256, ConsentSHA256: charter.ConsentSHA256(consent),
		Consent: true, TypedName: "Camille Durand-Lefèvre", StructureID: &sid,
	}, consent, v2, nil, o, code)
	if err != nil {
		t.Fatal(err)
	}
	events := sampleChain(t)
	sig = charter.Next(charter.HeadOf(events), sig)
	signedAt := tr.dateTime("fr", sig.At)
	file := charter.EvidenceFileName(code)
	l := func(k string, args ...any) string { return tr.tr("fr", "charter.attestation."+k, args...) }
	return charter.AttestationData{
		Signature:   sig,
		CharterHTML: string(v2.HTML),
		ConsentText: consent,
		VerifyURL:   "https://maillage.exemple.fr/charte/verifier/" + code,
		SignedAt:    signedAt,
		Lang:        "fr",
		CreatedAt:   at,
		Labels: charter.AttestationLabels{
			Title: l("title"), Subtitle: l("subtitle"),
			Statement: l("statement", "Name", sig.TypedName, "Version", sig.Version, "Date", signedAt),
			Code:      l("code"), VerifyURL: l("verify_url"), TypedName: l("typed_name"), Email: l("email"),
			Version: l("version"), SignedAt: l("signed_at"), TextSHA256: l("text_sha256"), Consent: l("consent"),
			ConsentSHA256: l("consent_sha256"), EventHash: l("event_hash"), Seq: l("seq"), QRCaption: l("qr_caption"),
			Evidence: l("evidence", "File", file), AttachmentDescription: l("attachment_description"),
		},
	}
}

func TestDateTime(t *testing.T) {
	tr := newTranslator(t)
	tests := []struct {
		at       time.Time
		fr, en   string
		monthKey string
	}{
		{time.Date(2026, 12, 3, 13, 5, 0, 0, time.UTC), "3 décembre 2026 à 14\u00a0h\u00a005", "December 3, 2026 at 14:05", "charter.month.12"},
		{time.Date(2026, 7, 31, 22, 9, 0, 0, time.UTC), "1er août 2026 à 0\u00a0h\u00a009", "August 1, 2026 at 00:09", "charter.month.8"},
		{time.Date(2027, 3, 28, 1, 30, 0, 0, time.UTC), "28 mars 2027 à 3\u00a0h\u00a030", "March 28, 2027 at 03:30", "charter.month.3"}, // summer time starts
	}
	for _, tt := range tests {
		if got := charter.MonthKey(tt.at); got != tt.monthKey {
			t.Errorf("MonthKey(%v) = %s, want %s", tt.at, got, tt.monthKey)
		}
		if got := tr.dateTime("fr", tt.at); got != tt.fr {
			t.Errorf("fr %v = %q, want %q", tt.at, got, tt.fr)
		}
		if got := tr.dateTime("en", tt.at); got != tt.en {
			t.Errorf("en %v = %q, want %q", tt.at, got, tt.en)
		}
	}
}

// TestAttestation makes an attestation and reads it back as a person and a
// program would: pdfcpu validates it and extracts the attached evidence,
// pdftotext reads its text, pdftoppm draws page 1, and the QR code on that
// image decodes to the verification page.
func TestAttestation(t *testing.T) {
	d := attestationData(t)
	var pdf bytes.Buffer
	if err := charter.Attestation(&pdf, d); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "attestation.pdf")
	if err := os.WriteFile(path, pdf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("attestation: %d bytes", pdf.Len())
	var again bytes.Buffer
	if err := charter.Attestation(&again, d); err != nil || !bytes.Equal(again.Bytes(), pdf.Bytes()) {
		t.Errorf("a second attestation of the same evidence differs (%v)", err)
	}

	// pdfcpu: a valid PDF, one attachment, the evidence byte for byte.
	strict := model.NewDefaultConfiguration()
	strict.ValidationMode = model.ValidationStrict
	if err := api.Validate(bytes.NewReader(pdf.Bytes()), strict); err != nil {
		t.Fatalf("pdfcpu validate (strict): %v", err)
	}
	atts, err := api.ExtractAttachmentsRaw(bytes.NewReader(pdf.Bytes()), "", nil, nil)
	if err != nil {
		t.Fatalf("pdfcpu attachments: %v", err)
	}
	if len(atts) != 1 || atts[0].FileName != charter.EvidenceFileName(d.Signature.SignatureCode) {
		t.Fatalf("attachments = %v, want one %s", atts, charter.EvidenceFileName(d.Signature.SignatureCode))
	}
	got, err := io.ReadAll(atts[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := charter.EvidenceJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("attached evidence (-want +got):\n%s", diff)
	}
	checkEvidence(t, got, d)

	// pdftotext: the words, the code, the accents.
	text := run(t, "pdftotext", "-enc", "UTF-8", path, "-")
	flat := strings.Join(strings.Fields(strings.ReplaceAll(text, "\u00a0", " ")), " ")
	for _, s := range []string{
		"Attestation de signature", "Charte de l'aidant numérique", d.Signature.SignatureCode,
		"Camille Durand-Lefèvre a signé électroniquement la version 2", "3 décembre 2026 à 14 h 05",
		"é", "à", "è", "«", d.Signature.TextSHA256, d.Signature.Hash, d.VerifyURL,
		"J'ai lu l'intégralité de la charte",
	} {
		if !strings.Contains(flat, s) {
			t.Errorf("pdftotext lacks %q:\n%s", s, text)
		}
	}

	// pdftoppm: page 1 as an image; the QR code on it reads back.
	run(t, "pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", path, filepath.Join(dir, "page"))
	img := readPNG(t, filepath.Join(dir, "page.png"))
	if b := img.Bounds(); b.Dx() < 1240 || b.Dx() > 1241 || b.Dy() < 1753 || b.Dy() > 1754 {
		t.Errorf("page 1 is %v, want A4 at 150 dpi (1240×1754)", b)
	}
	if dark := darkShare(img); dark < 0.02 || dark > 0.4 {
		t.Errorf("page 1 is %.1f %% dark: blank or garbled", 100*dark)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR code on page 1: %v", err)
	}
	if res.GetText() != d.VerifyURL {
		t.Errorf("QR code = %q, want %q", res.GetText(), d.VerifyURL)
	}
	if out := os.Getenv("CHARTER_ATTESTATION_DIR"); out != "" { // to look at it
		for _, f := range []string{"attestation.pdf", "page.png"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			if err := os.WriteFile(filepath.Join(out, f), b, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}

// checkEvidence checks the evidence as someone who received it would: the
// canonical form gives the event's hash, the texts give their hashes.
func checkEvidence(t *testing.T, b []byte, d charter.AttestationData) {
	t.Helper()
	var ev struct {
		Format      string `json:"format"`
		Event       map[string]any
		Canonical   string `json:"canonical"`
		CharterHTML string `json:"charter_html"`
		ConsentText string `json:"consent_text"`
		VerifyURL   string `json:"verify_url"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"format", ev.Format, charter.EvidenceFormat},
		{"hash of canonical", charter.TextSHA256(ev.Canonical), ev.Event["hash"]},
		{"hash of charter_html", charter.TextSHA256(ev.CharterHTML), ev.Event["text_sha256"]},
		{"hash of consent_text", charter.TextSHA256(ev.ConsentText), ev.Event["consent_sha256"]},
		{"code", ev.Event["signature_code"], d.Signature.SignatureCode},
		{"typed name", ev.Event["typed_name"], "Camille Durand-Lefèvre"},
		{"seq", ev.Event["seq"], float64(d.Signature.Seq)},
		{"verify url", ev.VerifyURL, d.VerifyURL},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("evidence %s: %v, want %v", c.name, c.got, c.want)
		}
	}
	parsed, err := charter.ParseCanonical([]byte(ev.Canonical))
	if err != nil {
		t.Fatal(err)
	}
	parsed.Hash = d.Signature.Hash
	if diff := cmp.Diff(d.Signature, parsed); diff != "" {
		t.Errorf("canonical of the evidence (-want +got):\n%s", diff)
	}
}

func TestAttestationRefusesBadEvidence(t *testing.T) {
	tests := []struct {
		name string
		edit func(d *charter.AttestationData)
		key  string
	}{
		{"not chained", func(d *charter.AttestationData) { d.Signature.Hash = "" }, "charter.attestation.bad_event"},
		{"edited after chaining", func(d *charter.AttestationData) { d.Signature.TypedName = "Autre" }, "charter.attestation.bad_event"},
		{"a withdrawal", func(d *charter.AttestationData) {
			d.Signature.Kind = charter.KindWithdrawal
			d.Signature = charter.Chain(d.Signature.PrevHash, d.Signature)
		}, "charter.attestation.bad_event"},
		{"other charter text", func(d *charter.AttestationData) { d.CharterHTML = string(realVersions(t)[0].HTML) }, "charter.attestation.bad_text"},
		{"other consent sentence", func(d *charter.AttestationData) { d.ConsentText += " " }, "charter.attestation.bad_text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := attestationData(t)
			tt.edit(&d)
			var b bytes.Buffer
			err := charter.Attestation(&b, d)
			if key, _ := maillage.ErrorKey(err); key != tt.key || b.Len() != 0 {
				t.Errorf("Attestation = %v (%d bytes written), want %s and nothing written", err, b.Len(), tt.key)
			}
		})
	}
}

func BenchmarkAttestation(b *testing.B) {
	d := attestationData(b)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := charter.Attestation(&buf, d); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}

// run runs a Debian tool the test needs (poppler-utils): missing, it fails
// the test, it does not skip it.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install Debian's poppler-utils (apt-get install poppler-utils)", name)
	}
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func darkShare(img image.Image) float64 {
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
