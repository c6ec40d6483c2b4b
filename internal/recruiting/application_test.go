package recruiting_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"maillage/internal/recruiting"
)

// TestCVCheck: a CV is a PDF by its content, not by its name, at most 5 Mo.
func TestCVCheck(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	for _, tt := range []struct {
		name string
		f    recruiting.CVFile
		key  string
	}{
		{"a PDF", recruiting.CVFile{Name: "cv.pdf", Data: pdf}, ""},
		{"a PDF named otherwise", recruiting.CVFile{Name: "cv.txt", Data: pdf}, ""},
		{"a text file named .pdf", recruiting.CVFile{Name: "cv.pdf", Data: []byte("Nom : Nadia\nExpérience…")}, "recruiting.cv.not_pdf"},
		{"an HTML page named .pdf", recruiting.CVFile{Name: "cv.pdf", Data: []byte("<html><script>alert(1)</script>")}, "recruiting.cv.not_pdf"},
		{"a PNG image", recruiting.CVFile{Name: "cv.pdf", Data: []byte("\x89PNG\r\n\x1a\n....")}, "recruiting.cv.not_pdf"},
		{"an empty file", recruiting.CVFile{Name: "cv.pdf"}, "recruiting.cv.empty"},
		{"too large", recruiting.CVFile{Name: "cv.pdf", Data: append(append([]byte{}, pdf...), bytes.Repeat([]byte("x"), recruiting.MaxCVBytes)...)}, "recruiting.cv.too_large"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ps := tt.f.Check()
			if got := ps.Key("cv"); got != tt.key {
				t.Errorf("problem %q, want %q", got, tt.key)
			}
		})
	}
}

func TestCVCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"mon cv.pdf":                      "mon cv.pdf",
		`C:\Users\nadia\CV Nadia.PDF`:     "CV Nadia.PDF",
		"../../etc/passwd":                "passwd.pdf",
		"cv\"; filename=evil.html":        "cv filename=evil.html.pdf",
		"":                                "cv.pdf",
		"a\x00b.pdf":                      "ab.pdf",
		strings.Repeat("é", 200) + ".pdf": strings.Repeat("é", recruiting.MaxCVName-4) + ".pdf",
	} {
		f := recruiting.CVFile{Name: in}
		if got := f.CleanName(); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestApplicationAndContactInput(t *testing.T) {
	in := recruiting.ApplicationInput{Message: "   "}
	if in.Validate().Key("message") != "recruiting.application.message.required" {
		t.Error("an empty message is accepted")
	}
	in = recruiting.ApplicationInput{Message: strings.Repeat("a", recruiting.MaxMessage+1)}
	if in.Validate().Key("message") != "error.field.too_long" {
		t.Error("a message too long is accepted")
	}
	in = recruiting.ApplicationInput{Message: " Bonjour,\nje suis disponible. "}
	if ps := in.Validate(); len(ps) != 0 || in.Message != "Bonjour,\nje suis disponible." {
		t.Errorf("a good message: %v %q", ps, in.Message)
	}
	c := recruiting.ContactInput{ProfileID: 3}
	ps := c.Validate()
	if ps.Key("structure_id") == "" || ps.Key("message") != "recruiting.contact.message.required" {
		t.Errorf("contact problems %v", ps)
	}
	// Addresses stay hidden until the candidate accepts.
	for status, reveal := range map[string]bool{recruiting.ContactSent: false, recruiting.ContactDeclined: false, recruiting.ContactAccepted: true} {
		ct := recruiting.Contact{Status: status, CandidateEmail: "c@exemple.fr", EmployerEmail: "e@exemple.fr"}
		ct.Hide()
		if (ct.CandidateEmail != "") != reveal || (ct.EmployerEmail != "") != reveal {
			t.Errorf("%s: addresses shown = %v, want %v", status, ct.CandidateEmail != "", reveal)
		}
	}
}

func TestParseAvailability(t *testing.T) {
	if d, ps := recruiting.ParseAvailability("2027-01-15", now); len(ps) != 0 || d == nil || d.Day() != 15 {
		t.Errorf("a date: %v %v", d, ps)
	}
	if d, ps := recruiting.ParseAvailability("", now); len(ps) != 0 || d != nil {
		t.Errorf("cleared: %v %v", d, ps)
	}
	if _, ps := recruiting.ParseAvailability("15/01/2027", now); ps.Key("available_from") != recruiting.KeyDay {
		t.Errorf("bad date: %v", ps)
	}
	if _, ps := recruiting.ParseAvailability(now.AddDate(3, 0, 0).Format(time.DateOnly), now); ps.Key("available_from") != "recruiting.availability.far" {
		t.Errorf("far date: %v", ps)
	}
}
