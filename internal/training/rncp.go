package training

// France compétences publishes the RNCP and RS registers as open data, in two
// forms: a zip of CSV files (export-fiches-csv-YYYY-MM-DD.zip, one member
// per part: export_fiches_CSV_<Part>_YYYY_MM_DD.csv, ";"-separated, UTF-8
// with a BOM, dates dd/MM/yyyy) and an XML export (FICHES/FICHE). Both are
// read here into Fiche values, which map to maillage.Certification.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"maillage/internal/maillage"
)

// Keys of an RNCP import report.
const (
	KeyRNCPBadArchive    = "training.rncp.bad_archive"    //
	KeyRNCPMissingMember = "training.rncp.missing_member" // Part
	KeyRNCPMissingColumn = "training.rncp.missing_column" // Column
	KeyRNCPBadCSV        = "training.rncp.bad_csv"        //
	KeyRNCPBadRow        = "training.rncp.bad_row"        // Count, Want
	KeyRNCPBadNumber     = "training.rncp.bad_number"     // Value
	KeyRNCPDuplicate     = "training.rncp.duplicate"      // Value
	KeyRNCPBadValue      = "training.rncp.bad_value"      // Column, Value
	KeyRNCPBadDate       = "training.rncp.bad_date"       // Column, Value
	KeyRNCPUnknownFiche  = "training.rncp.unknown_fiche"  // Value
	KeyRNCPNotXML        = "training.rncp.not_xml"        //
	KeyRNCPBadRoot       = "training.rncp.bad_root"       // Element
	KeyRNCPTooLarge      = "training.rncp.too_large"      //
)

// Fiche is one fiche of the RNCP or RS register.
type Fiche struct {
	Number         string                     `json:"number"` // RNCP34137, RS5875
	Kind           maillage.CertificationKind `json:"kind"`
	Title          string                     `json:"title"`
	Level          int                        `json:"level,omitempty"` // 1–8, 0 when none
	Active         bool                       `json:"active"`          // an inactive fiche is kept, marked
	NSF            []string                   `json:"nsf,omitempty"`
	Certificateurs []Certificateur            `json:"certificateurs,omitempty"`
	Blocs          []FicheBloc                `json:"blocs,omitempty"`
	ValidFrom      *time.Time                 `json:"valid_from,omitempty"`  // Date_Effet (else Date_Decision)
	ValidUntil     *time.Time                 `json:"valid_until,omitempty"` // Date_Fin_Enregistrement
	Replaces       []string                   `json:"replaces,omitempty"`    // older fiches it replaces
	Successors     []string                   `json:"successors,omitempty"`  // newer fiches that replace it
	Line           int                        `json:"line,omitempty"`        // in the Standard member, or the XML file
}

// Certificateur is a body that awards a certification.
type Certificateur struct {
	SIRET string `json:"siret,omitempty"`
	Name  string `json:"name"`
}

// FicheBloc is a competency bloc of a fiche.
type FicheBloc struct {
	Code   string `json:"code"` // RNCP34137BC01
	Rank   int    `json:"rank"`
	Label  string `json:"label"`
	Skills string `json:"skills,omitempty"` // LISTE_COMPETENCES, as published (HTML in the XML export)
}

// Certification maps the fiche to the referential's type: its number is
// its code, the number is confirmed (an official source), blocs keep their
// official codes. Active and Successors have no field there yet: they stay
// on the Fiche.
func (f *Fiche) Certification() *maillage.Certification {
	c := &maillage.Certification{
		Code:            f.Number,
		Kind:            f.Kind,
		Number:          f.Number,
		NumberConfirmed: true,
		Title:           f.Title,
		Level:           f.Level,
		ValidFrom:       f.ValidFrom,
		ValidUntil:      f.ValidUntil,
		Blocs:           []*maillage.Bloc{},
	}
	if len(f.NSF) > 0 {
		c.NSF = f.NSF[0]
	}
	names := make([]string, 0, len(f.Certificateurs))
	for _, ce := range f.Certificateurs {
		names = append(names, ce.Name)
	}
	c.Certificateur = strings.Join(names, ", ")
	if len(f.Replaces) > 0 {
		c.Replaces = f.Replaces[0]
	}
	for _, b := range f.Blocs {
		c.Blocs = append(c.Blocs, &maillage.Bloc{
			Code:              b.Code,
			CertificationCode: f.Number,
			Rank:              b.Rank,
			Label:             b.Label,
			Status:            maillage.StatusConfirmed,
			Competences:       []string{},
		})
	}
	return c
}

// RNCPIssue is one remark of an RNCP import: where (member and line, or the
// XML element), what (a message key and its arguments), and whether the
// row was still used (Warning).
type RNCPIssue struct {
	Member  string `json:"member,omitempty"`
	Element string `json:"element,omitempty"`
	Line    int    `json:"line,omitempty"`
	Key     string `json:"key"`
	Args    []any  `json:"args,omitempty"`
	Warning bool   `json:"warning,omitempty"`
}

// RNCPReport says what an RNCP import read.
type RNCPReport struct {
	Fiches        int         `json:"fiches"`
	Active        int         `json:"active"`
	Inactive      int         `json:"inactive"`
	Members       []string    `json:"members,omitempty"` // CSV members read
	Ignored       []string    `json:"ignored,omitempty"` // CSV members of parts not used
	Rejected      int         `json:"rejected"`          // rows or fiches left out
	Fatal         bool        `json:"fatal"`
	Issues        []RNCPIssue `json:"issues"`
	IssuesLeftOut int         `json:"issues_left_out,omitempty"`
}

func (r *RNCPReport) add(is RNCPIssue) {
	if !is.Warning {
		r.Rejected++
	}
	if len(r.Issues) >= MaxIssues {
		r.IssuesLeftOut++
		return
	}
	r.Issues = append(r.Issues, is)
}

// The parts of the CSV archive that are read.
const (
	partStandard       = "Standard"
	partBlocs          = "Blocs_De_Compétences"
	partCertificateurs = "Certificateurs"
	partNSF            = "Nsf"
	partLinks          = "Ancienne_Nouvelle_Certification"
)

var memberName = regexp.MustCompile(`^export_fiches_CSV_(.+?)_\d{4}[_-]\d{2}[_-]\d{2}\.csv$`)

// ReadRNCPCSV reads the CSV archive of the registers. Unknown parts and
// unknown columns are ignored; a bad row is reported with its member and
// line and left out; an inactive fiche is kept with Active false; the
// links of Ancienne_Nouvelle_Certification are set both ways (Replaces and
// Successors). Fiches come sorted by number, so that reading the same
// archive twice gives the same result.
func ReadRNCPCSV(zr *zip.Reader) ([]*Fiche, *RNCPReport, error) {
	rep := &RNCPReport{}
	members := map[string]*zip.File{}
	for _, f := range zr.File {
		name := norm.NFC.String(path.Base(f.Name))
		m := memberName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		part := partOf(m[1])
		if part == "" {
			rep.Ignored = append(rep.Ignored, name)
			continue
		}
		if _, dup := members[part]; !dup {
			members[part] = f
		}
	}
	std, ok := members[partStandard]
	if !ok {
		rep.Fatal = true
		rep.add(RNCPIssue{Key: KeyRNCPMissingMember, Args: []any{"Part", partStandard}})
		return nil, rep, nil
	}
	b := &rncpBuilder{rep: rep, byNumber: map[string]*Fiche{}}
	for _, part := range []string{partStandard, partBlocs, partCertificateurs, partNSF, partLinks} {
		f, ok := members[part]
		if !ok {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			rep.add(RNCPIssue{Member: f.Name, Key: KeyRNCPBadArchive})
			if f == std {
				rep.Fatal = true
				return nil, rep, nil
			}
			continue
		}
		rep.Members = append(rep.Members, norm.NFC.String(path.Base(f.Name)))
		err = b.member(part, norm.NFC.String(path.Base(f.Name)), rc)
		rc.Close()
		if err != nil {
			return nil, rep, err
		}
	}
	return b.finish(), rep, nil
}

// partOf returns the part a member name gives, if it is one that is read.
func partOf(name string) string {
	for _, p := range []string{partStandard, partBlocs, partCertificateurs, partNSF, partLinks} {
		if strings.EqualFold(norm.NFC.String(name), p) || strings.EqualFold(stripAccents(name), stripAccents(p)) {
			return p
		}
	}
	return ""
}

func stripAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r >= 0x300 && r <= 0x36f {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

type rncpBuilder struct {
	rep      *RNCPReport
	byNumber map[string]*Fiche
	fiches   []*Fiche
	links    [][3]string // fiche, older, newer
}

// member reads one CSV member. Only a failing reader is an error.
func (b *rncpBuilder) member(part, name string, r io.Reader) error {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = ';'
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			if readErr := csvReadError(err); readErr != nil {
				return readErr
			}
		}
		b.rep.add(RNCPIssue{Member: name, Line: 1, Key: KeyRNCPBadCSV})
		return nil
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.Trim(h, "\ufeff"))] = i
	}
	if _, ok := col["Numero_Fiche"]; !ok {
		b.rep.add(RNCPIssue{Member: name, Line: 1, Key: KeyRNCPMissingColumn, Args: []any{"Column", "Numero_Fiche"}})
		if part == partStandard {
			b.rep.Fatal = true
		}
		return nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if readErr := csvReadError(err); readErr != nil {
				return readErr
			}
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.Line
			}
			b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPBadCSV})
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPBadRow, Args: []any{"Count", len(rec), "Want", len(header)}})
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		b.row(part, name, line, get)
	}
}

func csvReadError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrAlgorithm) {
		return nil
	}
	return err
}

var ficheNumber = regexp.MustCompile(`^(RNCP|RS)\d{1,9}$`)

// number returns the normalised fiche number (RNCP34137) or "".
func number(v string) string {
	v = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(v), " ", ""))
	if ficheNumber.MatchString(v) {
		return v
	}
	return ""
}

func (b *rncpBuilder) row(part, name string, line int, get func(string) string) {
	raw := get("Numero_Fiche")
	num := number(raw)
	if num == "" {
		b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPBadNumber, Args: []any{"Value", raw}})
		return
	}
	warn := func(key string, args ...any) {
		b.rep.add(RNCPIssue{Member: name, Line: line, Key: key, Args: args, Warning: true})
	}
	if part == partStandard {
		if _, dup := b.byNumber[num]; dup {
			b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPDuplicate, Args: []any{"Value", num}})
			return
		}
		f := &Fiche{Number: num, Kind: kindOf(num), Title: get("Intitule"), Line: line}
		switch a := strings.ToUpper(get("Actif")); a {
		case "ACTIVE":
			f.Active = true
		case "INACTIVE":
		default:
			b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPBadValue, Args: []any{"Column", "Actif", "Value", get("Actif")}})
			return
		}
		if v := get("Nomenclature_Europe_Niveau"); v != "" {
			if lvl, ok := level(v); ok {
				f.Level = lvl
			} else {
				warn(KeyRNCPBadValue, "Column", "Nomenclature_Europe_Niveau", "Value", v)
			}
		}
		for _, c := range []string{"Date_Effet", "Date_Decision"} {
			if f.ValidFrom != nil {
				break
			}
			if v := get(c); v != "" {
				if d, ok := rncpDate(v); ok {
					f.ValidFrom = &d
				} else {
					warn(KeyRNCPBadDate, "Column", c, "Value", v)
				}
			}
		}
		if v := get("Date_Fin_Enregistrement"); v != "" {
			if d, ok := rncpDate(v); ok {
				f.ValidUntil = &d
			} else {
				warn(KeyRNCPBadDate, "Column", "Date_Fin_Enregistrement", "Value", v)
			}
		}
		b.byNumber[num] = f
		b.fiches = append(b.fiches, f)
		return
	}
	f := b.byNumber[num]
	if f == nil && part != partLinks {
		b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPUnknownFiche, Args: []any{"Value", num}})
		return
	}
	switch part {
	case partBlocs:
		code := strings.ToUpper(get("Bloc_Competences_Code"))
		if code == "" {
			b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPBadValue, Args: []any{"Column", "Bloc_Competences_Code", "Value", ""}})
			return
		}
		if slices.ContainsFunc(f.Blocs, func(x FicheBloc) bool { return x.Code == code }) {
			b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPDuplicate, Args: []any{"Value", code}})
			return
		}
		f.Blocs = append(f.Blocs, FicheBloc{Code: code, Rank: blocRank(code), Label: get("Bloc_Competences_Libelle")})
	case partCertificateurs:
		if n := get("Nom_Certificateur"); n != "" {
			f.Certificateurs = append(f.Certificateurs, Certificateur{SIRET: get("Siret_Certificateur"), Name: n})
		}
	case partNSF:
		if c := get("Nsf_Code"); c != "" && !slices.Contains(f.NSF, c) {
			f.NSF = append(f.NSF, c)
		}
	case partLinks:
		older, newer := get("Ancienne_Certification"), get("Nouvelle_Certification")
		for _, v := range []string{older, newer} {
			if v != "" && number(v) == "" {
				b.rep.add(RNCPIssue{Member: name, Line: line, Key: KeyRNCPBadNumber, Args: []any{"Value", v}})
				return
			}
		}
		b.links = append(b.links, [3]string{num, number(older), number(newer)})
	}
}

func (b *rncpBuilder) finish() []*Fiche {
	link := func(older, newer string) {
		if o := b.byNumber[older]; o != nil && !slices.Contains(o.Successors, newer) {
			o.Successors = append(o.Successors, newer)
		}
		if n := b.byNumber[newer]; n != nil && !slices.Contains(n.Replaces, older) {
			n.Replaces = append(n.Replaces, older)
		}
	}
	for _, l := range b.links {
		if l[1] != "" {
			link(l[1], l[0])
		}
		if l[2] != "" {
			link(l[0], l[2])
		}
	}
	for _, f := range b.fiches {
		finishFiche(f)
		b.rep.Fiches++
		if f.Active {
			b.rep.Active++
		} else {
			b.rep.Inactive++
		}
	}
	sort.Slice(b.fiches, func(i, j int) bool { return lessNumber(b.fiches[i].Number, b.fiches[j].Number) })
	return b.fiches
}

// finishFiche orders what a fiche lists, so that output is deterministic.
func finishFiche(f *Fiche) {
	sort.SliceStable(f.Blocs, func(i, j int) bool {
		if f.Blocs[i].Rank != f.Blocs[j].Rank {
			return f.Blocs[i].Rank < f.Blocs[j].Rank
		}
		return f.Blocs[i].Code < f.Blocs[j].Code
	})
	slices.SortFunc(f.Replaces, func(a, b string) int { return cmpNumber(a, b) })
	slices.SortFunc(f.Successors, func(a, b string) int { return cmpNumber(a, b) })
}

// lessNumber orders fiche numbers by register, then numerically.
func lessNumber(a, b string) bool { return cmpNumber(a, b) < 0 }

func cmpNumber(a, b string) int {
	ka, na := splitNumber(a)
	kb, nb := splitNumber(b)
	if ka != kb {
		return strings.Compare(ka, kb)
	}
	if na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func splitNumber(s string) (string, int) {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return s, 0
	}
	n, _ := strconv.Atoi(s[i:])
	return s[:i], n
}

func kindOf(num string) maillage.CertificationKind {
	if strings.HasPrefix(num, "RS") {
		return maillage.KindRS
	}
	return maillage.KindRNCP
}

// level reads NIV1 to NIV8 (also "5", "Niveau 5").
func level(v string) (int, bool) {
	u := strings.ToUpper(strings.ReplaceAll(v, " ", ""))
	u = strings.TrimPrefix(strings.TrimPrefix(u, "NIVEAU"), "NIV")
	n, err := strconv.Atoi(u)
	if err != nil || n < maillage.MinLevel || n > maillage.MaxLevel {
		return 0, false
	}
	return n, true
}

// blocRank reads the rank at the end of an official bloc code (…BC03 → 3).
func blocRank(code string) int {
	i := strings.LastIndex(code, "BC")
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(code[i+2:])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// rncpDate reads dd/MM/yyyy (the CSV), or yyyy-MM-dd, as a UTC day.
func rncpDate(v string) (time.Time, bool) {
	for _, layout := range []string{"02/01/2006", "2006-01-02", "2/1/2006"} {
		if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ReadRNCPXML reads the XML export of the registers as a stream: each
// FICHE is passed to fn as soon as it is read (the export weighs hundreds
// of megabytes). A fiche without a valid number is reported and left out.
// The successor links are those each fiche states (ANCIENNES_CERTIFICATIONS,
// NOUVELLES_CERTIFICATIONS); the error is non-nil only when fn or the
// reader fails.
func ReadRNCPXML(r io.Reader, fn func(*Fiche) error) (*RNCPReport, error) {
	rep := &RNCPReport{}
	d := xml.NewDecoder(r)
	d.CharsetReader = charsetReader
	fatal := func() {
		rep.Fatal = true
		line, _ := d.InputPos()
		rep.add(RNCPIssue{Line: line, Key: KeyRNCPNotXML})
	}
	depth := 0
	rootSeen := false
	index := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !rootSeen {
				fatal()
			}
			return rep, nil
		}
		if err != nil {
			if ioErr := readError(err); ioErr != nil {
				return rep, ioErr
			}
			fatal()
			return rep, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if !rootSeen {
				rootSeen = true
				if t.Name.Local != "FICHES" {
					rep.Fatal = true
					line, _ := d.InputPos()
					rep.add(RNCPIssue{Element: t.Name.Local, Line: line, Key: KeyRNCPBadRoot, Args: []any{"Element", t.Name.Local}})
					return rep, nil
				}
				continue
			}
			if depth != 2 || t.Name.Local != "FICHE" {
				if err := d.Skip(); err != nil {
					if ioErr := readError(err); ioErr != nil {
						return rep, ioErr
					}
					fatal()
					return rep, nil
				}
				depth--
				continue
			}
			index++
			line, _ := d.InputPos()
			el := fmt.Sprintf("FICHES/FICHE[%d]", index)
			n, err := readTreeLimits(d, t, line, "", rncpLimits)
			depth--
			if err != nil {
				if ioErr := readError(err); ioErr != nil {
					return rep, ioErr
				}
				if errors.Is(err, errTooLarge) {
					rep.add(RNCPIssue{Element: el, Line: line, Key: KeyRNCPTooLarge})
					if err := skipRest(d, err); err != nil {
						fatal()
						return rep, nil
					}
					continue
				}
				fatal()
				return rep, nil
			}
			f := ficheOf(n, el, rep)
			if f == nil {
				continue
			}
			rep.Fiches++
			if f.Active {
				rep.Active++
			} else {
				rep.Inactive++
			}
			if err := fn(f); err != nil {
				return rep, err
			}
		case xml.EndElement:
			depth--
		}
	}
}

var rncpLimits = treeLimits{nodes: 200000, text: 4 << 20, total: 32 << 20}

func ficheOf(n *node, el string, rep *RNCPReport) *Fiche {
	raw := n.value("NUMERO_FICHE")
	num := number(raw)
	if num == "" {
		rep.add(RNCPIssue{Element: el + "/NUMERO_FICHE", Line: lineOf(n.child("NUMERO_FICHE"), n), Key: KeyRNCPBadNumber, Args: []any{"Value", raw}})
		return nil
	}
	warn := func(child string, key string, args ...any) {
		rep.add(RNCPIssue{Element: el + "/" + child, Line: lineOf(n.child(strings.Split(child, "/")[0]), n), Key: key, Args: args, Warning: true})
	}
	f := &Fiche{Number: num, Kind: kindOf(num), Title: n.value("INTITULE"), Line: n.line}
	switch a := strings.ToUpper(n.value("ACTIF")); a {
	case "OUI", "ACTIVE", "TRUE", "1":
		f.Active = true
	case "NON", "INACTIVE", "FALSE", "0":
	default:
		rep.add(RNCPIssue{Element: el + "/ACTIF", Line: lineOf(n.child("ACTIF"), n), Key: KeyRNCPBadValue, Args: []any{"Column", "ACTIF", "Value", n.value("ACTIF")}})
		return nil
	}
	if ne := n.child("NOMENCLATURE_EUROPE"); ne != nil {
		if v := ne.value("NIVEAU"); v != "" {
			if lvl, ok := level(v); ok {
				f.Level = lvl
			} else {
				warn("NOMENCLATURE_EUROPE/NIVEAU", KeyRNCPBadValue, "Column", "NIVEAU", "Value", v)
			}
		}
	}
	for _, c := range []string{"DATE_EFFET", "DATE_DECISION"} {
		if v := n.value(c); v != "" && f.ValidFrom == nil {
			if d, ok := rncpDate(v); ok {
				f.ValidFrom = &d
			} else {
				warn(c, KeyRNCPBadDate, "Column", c, "Value", v)
			}
		}
	}
	if v := n.value("DATE_FIN_ENREGISTREMENT"); v != "" {
		if d, ok := rncpDate(v); ok {
			f.ValidUntil = &d
		} else {
			warn("DATE_FIN_ENREGISTREMENT", KeyRNCPBadDate, "Column", "DATE_FIN_ENREGISTREMENT", "Value", v)
		}
	}
	if cs := n.child("CERTIFICATEURS"); cs != nil {
		for _, c := range cs.children("CERTIFICATEUR") {
			if name := c.value("NOM_CERTIFICATEUR"); name != "" {
				f.Certificateurs = append(f.Certificateurs, Certificateur{SIRET: c.value("SIRET_CERTIFICATEUR"), Name: name})
			}
		}
	}
	if ns := n.child("CODES_NSF"); ns != nil {
		for _, c := range ns.children("NSF") {
			if code := c.value("CODE"); code != "" && !slices.Contains(f.NSF, code) {
				f.NSF = append(f.NSF, code)
			}
		}
	}
	if bs := n.child("BLOCS_COMPETENCES"); bs != nil {
		for _, b := range bs.children("BLOC_COMPETENCES") {
			code := strings.ToUpper(b.value("CODE"))
			if code == "" || slices.ContainsFunc(f.Blocs, func(x FicheBloc) bool { return x.Code == code }) {
				continue
			}
			f.Blocs = append(f.Blocs, FicheBloc{Code: code, Rank: blocRank(code), Label: b.value("LIBELLE"), Skills: b.value("LISTE_COMPETENCES")})
		}
	}
	f.Replaces = numbersIn(n.child("ANCIENNES_CERTIFICATIONS"))
	f.Successors = numbersIn(n.child("NOUVELLES_CERTIFICATIONS"))
	finishFiche(f)
	return f
}

// numbersIn collects the fiche numbers in the texts under n, whatever the
// wrapping elements.
func numbersIn(n *node) []string {
	var out []string
	var walk func(*node)
	walk = func(n *node) {
		if num := number(n.text); num != "" && !slices.Contains(out, num) {
			out = append(out, num)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}
