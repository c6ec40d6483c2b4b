package charter

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/yeqown/go-qrcode/v2"

	"maillage/internal/maillage"
)

// DejaVu Sans (Bitstream Vera licence, see fonts/README.md): accents,
// guillemets and non-breaking spaces render in every PDF reader.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// AttestationLabels are the texts of the attestation, already translated by
// the caller (keys charter.attestation.* of the catalogues).
type AttestationLabels struct {
	Title     string // « Attestation de signature »
	Subtitle  string // « Charte de l'aidant numérique »
	Statement string // the sentence that says who signed which version when
	// Labels of the values.
	Code, VerifyURL, TypedName, Email, Version, SignedAt string
	TextSHA256, Consent, ConsentSHA256, EventHash, Seq   string
	QRCaption                                            string
	// Evidence says that the evidence is attached and how to check it.
	Evidence string
	// AttachmentDescription describes the attached file in PDF readers.
	AttachmentDescription string
}

// AttestationData is what the attestation shows and carries.
type AttestationData struct {
	Signature Event // chained (Seq, Hash set)
	// CharterHTML is the fragment that was signed (Version.HTML): it goes into
	// the evidence, where anyone can hash it.
	CharterHTML string
	ConsentText string // the consent sentence as shown
	VerifyURL   string // the public verification page of the code
	SignedAt    string // the signature's date and time, formatted (KeyDateTime)
	Lang        string // language of the labels ("fr")
	CreatedAt   time.Time
	Labels      AttestationLabels
}

// EvidenceFormat names the version of the evidence file.
const EvidenceFormat = "maillage-charte-preuve/1"

// Evidence is the JSON file attached to the attestation: the event as
// chained, its canonical form (SHA-256 of canonical = event.hash), the texts
// whose hashes it carries (SHA-256 of charter_html = event.text_sha256, of
// consent_text = event.consent_sha256) and the verification page.
type Evidence struct {
	Format      string `json:"format"`
	Event       Event  `json:"event"`
	Canonical   string `json:"canonical"`
	CharterHTML string `json:"charter_html"`
	ConsentText string `json:"consent_text"`
	VerifyURL   string `json:"verify_url"`
}

// EvidenceJSON returns the evidence file of the attestation, byte for byte
// (indented, HTML characters not escaped, final newline).
func EvidenceJSON(d AttestationData) ([]byte, error) {
	ev := Evidence{
		Format:      EvidenceFormat,
		Event:       d.Signature,
		Canonical:   string(d.Signature.Canonical()),
		CharterHTML: d.CharterHTML,
		ConsentText: d.ConsentText,
		VerifyURL:   d.VerifyURL,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// EvidenceFileName is the name of the attached evidence file.
func EvidenceFileName(code string) string { return "maillage-charte-" + code + ".json" }

// Attestation writes the attestation PDF of a signature: the statement, the
// code with a QR code to the verification page, the evidence in clear, and
// the evidence file attached. It refuses evidence that does not hold: an
// event that is not a chained signature, or texts whose hashes differ from
// the event's.
func Attestation(w io.Writer, d AttestationData) error {
	s := d.Signature
	switch {
	case s.Kind != KindSignature || s.Hash == "" || s.ComputeHash() != s.Hash:
		return maillage.Errorf(maillage.EINTERNAL, "charter.attestation.bad_event")
	case d.CharterHTML != "" && TextSHA256(d.CharterHTML) != s.TextSHA256,
		ConsentSHA256(d.ConsentText) != s.ConsentSHA256:
		return maillage.Errorf(maillage.EINTERNAL, "charter.attestation.bad_text")
	}
	evidence, err := EvidenceJSON(d)
	if err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, "charter.attestation.failed")
	}
	qr, err := qrMatrix(d.VerifyURL)
	if err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, "charter.attestation.failed")
	}
	l := d.Labels

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginX, 18, marginX)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AddUTF8FontFromBytes(font, "", fontRegular)
	pdf.AddUTF8FontFromBytes(font, "B", fontBold)
	pdf.SetTitle(l.Title+" — "+s.SignatureCode, true)
	pdf.SetSubject(l.Subtitle, true)
	pdf.SetCatalogSort(true) // same evidence, same bytes
	pdf.SetCreator("Maillage", true)
	pdf.SetProducer("Maillage", true)
	if d.Lang != "" {
		pdf.SetLang(d.Lang)
	}
	if !d.CreatedAt.IsZero() {
		pdf.SetCreationDate(d.CreatedAt)
		pdf.SetModificationDate(d.CreatedAt)
	}
	pdf.SetAttachments([]fpdf.Attachment{{
		Content:     evidence,
		Filename:    EvidenceFileName(s.SignatureCode),
		Description: l.AttachmentDescription,
	}})
	pdf.AddPage()

	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont(font, "B", 22)
	pdf.MultiCell(0, 10, l.Title, "", "L", false)
	pdf.SetFont(font, "", 13)
	pdf.SetTextColor(70, 70, 70)
	pdf.MultiCell(0, 7, l.Subtitle, "", "L", false)
	pdf.Ln(5)
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont(font, "", 11.5)
	pdf.MultiCell(0, 6, l.Statement, "", "L", false)
	pdf.Ln(5)

	// The code and the QR code, in a box.
	const boxH, qrSize = 53.0, 40.0
	width := pageW - 2*marginX
	top := pdf.GetY()
	pdf.SetFillColor(243, 244, 246)
	pdf.SetDrawColor(200, 203, 209)
	pdf.RoundedRect(marginX, top, width, boxH, 2.5, "1234", "FD")
	drawQR(pdf, qr, marginX+width-qrSize-4, top+4, qrSize)
	textW := width - qrSize - 14
	pdf.SetXY(marginX+5, top+6)
	pdf.SetFont(font, "B", 9)
	pdf.SetTextColor(70, 70, 70)
	pdf.MultiCell(textW, 5, l.Code, "", "L", false)
	pdf.SetX(marginX + 5)
	pdf.SetFont(font, "B", 20)
	pdf.SetTextColor(20, 20, 20)
	pdf.MultiCell(textW, 10, s.SignatureCode, "", "L", false)
	pdf.Ln(2)
	pdf.SetX(marginX + 5)
	pdf.SetFont(font, "B", 9)
	pdf.SetTextColor(70, 70, 70)
	pdf.MultiCell(textW, 5, l.VerifyURL, "", "L", false)
	pdf.SetX(marginX + 5)
	pdf.SetFont(font, "", 9.5)
	pdf.SetTextColor(20, 60, 160)
	// No link annotation: fpdf writes it inline in /Annots, which PDF
	// 32000-1 forbids (pdfcpu's strict validation refuses it); readers make
	// the written URL clickable, and the QR code carries it.
	pdf.MultiCell(textW, 5, d.VerifyURL, "", "L", false)
	pdf.SetXY(marginX+width-qrSize-4, top+4+qrSize)
	pdf.SetFont(font, "", 7.5)
	pdf.SetTextColor(70, 70, 70)
	pdf.CellFormat(qrSize, 4, l.QRCaption, "", 0, "C", false, 0, "")
	pdf.SetXY(marginX, top+boxH+6)

	// The evidence in clear.
	rows := []struct {
		label, value string
		small        bool
	}{
		{l.TypedName, s.TypedName, false},
		{l.Email, s.Email, false},
		{l.Version, strconv.Itoa(s.Version), false},
		{l.SignedAt, d.SignedAt, false},
		{l.Consent, d.ConsentText, false},
		{l.TextSHA256, s.TextSHA256, true},
		{l.ConsentSHA256, s.ConsentSHA256, true},
		{l.EventHash, s.Hash, true},
		{l.Seq, strconv.FormatInt(s.Seq, 10), false},
	}
	for _, r := range rows {
		pdf.SetFont(font, "B", 8.5)
		pdf.SetTextColor(70, 70, 70)
		pdf.MultiCell(0, 4.5, r.label, "", "L", false)
		pdf.SetTextColor(20, 20, 20)
		if r.small {
			pdf.SetFont(font, "", 8.5)
		} else {
			pdf.SetFont(font, "", 10.5)
		}
		pdf.MultiCell(0, 5.5, r.value, "", "L", false)
		pdf.Ln(2.2)
	}
	pdf.Ln(2)
	pdf.SetDrawColor(200, 203, 209)
	pdf.Line(marginX, pdf.GetY(), pageW-marginX, pdf.GetY())
	pdf.Ln(3)
	pdf.SetFont(font, "", 8.5)
	pdf.SetTextColor(70, 70, 70)
	pdf.MultiCell(0, 4.5, l.Evidence, "", "L", false)

	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, "charter.attestation.failed")
	}
	// fpdf writes the lowest version its features need ("%PDF-1.3" here) but
	// does not count the attached file, whose /UF key is PDF 1.7: say 1.7
	// (a PDF 1.3 file is a valid 1.7 one; same length, so offsets hold).
	b := out.Bytes()
	if len(b) > 8 && bytes.HasPrefix(b, []byte("%PDF-1.")) {
		copy(b[:8], "%PDF-1.7")
	}
	if _, err := w.Write(b); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, "charter.attestation.failed")
	}
	return nil
}

const (
	font    = "DejaVu"
	pageW   = 210.0
	marginX = 20.0
)

// qrWriter keeps the matrix the QR encoder hands to its writer.
type qrWriter struct{ bits [][]bool }

func (q *qrWriter) Write(m qrcode.Matrix) error { q.bits = m.Bitmap(); return nil }
func (q *qrWriter) Close() error                { return nil }

// qrMatrix encodes text (error correction M: 15 % of the code can be lost).
func qrMatrix(text string) ([][]bool, error) {
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, err
	}
	var w qrWriter
	if err := code.Save(&w); err != nil {
		return nil, err
	}
	return w.bits, nil
}

// drawQR draws the matrix as vector squares in a white square of side size
// at (x, y), with the quiet zone of four modules the standard asks for.
func drawQR(pdf *fpdf.Fpdf, bits [][]bool, x, y, size float64) {
	n := len(bits)
	if n == 0 {
		return
	}
	m := size / float64(n+8)
	pdf.SetFillColor(255, 255, 255)
	pdf.Rect(x, y, size, size, "F")
	pdf.SetFillColor(0, 0, 0)
	for row := range bits {
		for col := 0; col < len(bits[row]); {
			if !bits[row][col] {
				col++
				continue
			}
			start := col
			for col < len(bits[row]) && bits[row][col] {
				col++
			}
			// A hair wider and taller, so no seam shows between modules.
			pdf.Rect(x+float64(start+4)*m, y+float64(row+4)*m, float64(col-start)*m+0.01, m+0.01, "F")
		}
	}
}
