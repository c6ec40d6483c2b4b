package label

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"maillage/internal/maillage"
)

// Evidence is a file attached to an answer or a message. Its content is
// stored outside the web root under its SHA-256 and served only to those
// who may see the application.
type Evidence struct {
	ID          int64     `json:"id"`
	Indicator   string    `json:"indicateur,omitempty"`
	Name        string    `json:"nom"`
	ContentType string    `json:"type"`
	Size        int64     `json:"taille"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"cree_le"`
}

// MaxEvidenceSize is the largest file accepted (10 MB).
const MaxEvidenceSize = 10 << 20

// MaxFilesPerIndicator bounds the files of one answer.
const MaxFilesPerIndicator = 10

// evidenceTypes are the accepted types, as sniffed from the content, with
// the extensions a file of that type may carry.
var evidenceTypes = map[string][]string{
	"application/pdf":           {".pdf"},
	"image/png":                 {".png"},
	"image/jpeg":                {".jpg", ".jpeg"},
	"image/webp":                {".webp"},
	"text/plain; charset=utf-8": {".txt", ".csv", ".md"},
}

// EvidenceExtensions lists the accepted extensions (for the form's hint).
func EvidenceExtensions() []string {
	var out []string
	for _, exts := range evidenceTypes {
		out = append(out, exts...)
	}
	slices.Sort(out)
	return out
}

// CheckEvidence is the rule of an uploaded file: a name, a size within
// the limit, a type sniffed from the first bytes (net/http.DetectContentType,
// never the name nor the browser's word) among the accepted ones, and an
// extension that matches it (a PNG named .pdf is refused). It returns the
// type to store.
func CheckEvidence(field, name string, size int64, head []byte) (string, maillage.Problems) {
	var ps maillage.Problems
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	switch {
	case name == "" || name == "." || name == "/":
		ps.Add(field, "label.evidence.name")
		return "", ps
	case !utf8.ValidString(name) || maillage.HasControl(name, false) || utf8.RuneCountInString(name) > 200:
		ps.Add(field, "label.evidence.name")
		return "", ps
	case size <= 0:
		ps.Add(field, "label.evidence.empty")
		return "", ps
	case size > MaxEvidenceSize:
		ps.Add(field, "label.evidence.too_big", "Max", MaxEvidenceSize>>20)
		return "", ps
	}
	ct := http.DetectContentType(head)
	if ct == "text/plain; charset=utf-8" && !utf8.Valid(head[:validPrefix(head)]) {
		ct = "application/octet-stream"
	}
	exts, ok := evidenceTypes[ct]
	if !ok {
		ps.Add(field, "label.evidence.type", "Types", strings.Join(EvidenceExtensions(), ", "))
		return "", ps
	}
	if !slices.Contains(exts, strings.ToLower(filepath.Ext(name))) {
		ps.Add(field, "label.evidence.mismatch", "Ext", strings.ToLower(filepath.Ext(name)), "Expected", strings.Join(exts, ", "))
		return "", ps
	}
	return ct, nil
}

// validPrefix leaves out a rune cut at the end of the sniffed head.
func validPrefix(b []byte) int {
	n := len(b)
	for i := 0; i < 3 && n > 0 && !utf8.Valid(b[:n]); i++ {
		n--
	}
	return n
}

// CleanFileName is the name a file is stored and served under.
func CleanFileName(name string) string {
	return strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
}
