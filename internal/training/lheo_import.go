package training

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"maillage/internal/maillage"
)

// Keys of an LHEO import report.
const (
	KeyLHEONotXML        = "training.lheo.not_xml"               //
	KeyLHEOBadRoot       = "training.lheo.bad_root"              // Element
	KeyLHEOBadNamespace  = "training.lheo.bad_namespace"         // Namespace
	KeyLHEOMissing       = "training.lheo.missing"               // Element
	KeyLHEOBadDate       = "training.lheo.bad_date"              // Value
	KeyLHEOUnknownDate   = "training.lheo.unknown_date"          //
	KeyLHEOBadNumber     = "training.lheo.bad_number"            // Value
	KeyLHEOBadValue      = "training.lheo.bad_value"             // Value
	KeyLHEOTooLarge      = "training.lheo.too_large"             // Max
	KeyLHEOUnknownCertif = "training.lheo.unknown_certification" // Code
	KeyLHEOUnknownBloc   = "training.lheo.unknown_bloc"          // Code
	KeyLHEOIssuesLeftOut = "training.lheo.issues_left_out"       // Count
)

// Limits that keep an import bounded whatever the file holds.
const (
	MaxIssues            = 1000     // issues kept in a report; the others are counted
	maxNodesPerFormation = 50000    // elements in one formation
	maxTextPerElement    = 64 << 10 // characters of one element's text
	maxBytesPerFormation = 8 << 20  // text kept for one formation
	maxDepth             = 64       // nesting
)

// ImportOptions tunes an LHEO import.
type ImportOptions struct {
	// Certifications maps code-RNCP / code-RS and code-bloc to the
	// referential, and checks the blocs of each offer; nil accepts any code
	// (certification "RNCP<digits>", blocs by their code).
	Certifications *CertIndex
	// Progress, when set, is called after each formation with how many
	// were read so far.
	Progress func(done int)
	// Commune, when set, finds the INSEE code of a place that gives only
	// its postcode and city (code-INSEE-commune is optional in LHEO).
	Commune func(postcode, city string) (codeInsee string, ok bool)
}

// Issue is one remark of an import report: which element, on which line,
// which rule (a message key with arguments). Field is the JSON path in the
// offer when a rule of Offer.Validate is broken.
type Issue struct {
	Formation int    `json:"formation,omitempty"` // 1-based; 0 for the file itself
	Element   string `json:"element"`             // lheo/offres/formation[2]/action[1]/session[1]/periode/fin
	Line      int    `json:"line,omitempty"`
	Field     string `json:"field,omitempty"`
	Key       string `json:"key"`
	Args      []any  `json:"args,omitempty"`
}

// Report says what an LHEO import read.
type Report struct {
	Namespace     string  `json:"namespace"`
	Version       string  `json:"version"` // 2.3 or 2.2
	Formations    int     `json:"formations"`
	Imported      int     `json:"imported"`
	Rejected      int     `json:"rejected"`
	Fatal         bool    `json:"fatal"` // the file could not be read to its end
	Issues        []Issue `json:"issues"`
	IssuesLeftOut int     `json:"issues_left_out,omitempty"`
}

func (r *Report) add(is Issue) {
	if len(r.Issues) >= MaxIssues {
		r.IssuesLeftOut++
		return
	}
	r.Issues = append(r.Issues, is)
}

// Err returns nil when every formation was imported, else an EINVALID
// error whose key says how many were rejected.
func (r *Report) Err() error {
	if !r.Fatal && r.Rejected == 0 {
		return nil
	}
	e := maillage.Errorf(maillage.EINVALID, KeyLHEOInvalidFile, "Count", r.Rejected)
	for _, is := range r.Issues {
		if len(e.Problems) >= 20 {
			break
		}
		e.Problems = append(e.Problems, maillage.Problem{Field: is.Element, Key: is.Key, Args: is.Args})
	}
	return e
}

// ImportLHEO reads an LHEO 2.3 (or 2.2) file as a stream: each valid
// formation is passed to fn as soon as it is read, so memory stays bounded
// by one formation whatever the file size. Invalid formations are left out
// and described in the report, element by element; a file that is not
// LHEO at all gives a report with Fatal set. The error is non-nil only when
// fn fails or reading fails (not for a bad file).
func ImportLHEO(r io.Reader, opts ImportOptions, fn func(Formation) error) (*Report, error) {
	rep := &Report{}
	d := xml.NewDecoder(r)
	d.CharsetReader = charsetReader

	fatal := func(error) {
		rep.Fatal = true
		line, _ := d.InputPos()
		rep.add(Issue{Line: line, Key: KeyLHEONotXML})
	}

	// The root.
	var root xml.StartElement
	content := false // text outside any element: not XML
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				rep.Fatal = true
				if content {
					rep.add(Issue{Line: 1, Key: KeyLHEONotXML})
				} else {
					rep.add(Issue{Key: KeyLHEOMissing, Args: []any{"Element", "lheo"}})
				}
				return rep, nil
			}
			if ioErr := readError(err); ioErr != nil {
				return rep, ioErr
			}
			fatal(err)
			return rep, nil
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) > 0 {
			content = true
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	line, _ := d.InputPos()
	rep.Namespace = root.Name.Space
	if root.Name.Local != "lheo" {
		rep.Fatal = true
		rep.add(Issue{Element: root.Name.Local, Line: line, Key: KeyLHEOBadRoot, Args: []any{"Element", root.Name.Local}})
		return rep, nil
	}
	switch root.Name.Space {
	case NamespaceLHEO23:
		rep.Version = "2.3"
	case NamespaceLHEO22:
		rep.Version = "2.2"
	default:
		rep.Fatal = true
		rep.add(Issue{Element: "lheo", Line: line, Key: KeyLHEOBadNamespace, Args: []any{"Namespace", root.Name.Space}})
		return rep, nil
	}

	sawOffres := false
	depth := 1 // inside lheo
	inOffres := false
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			if ioErr := readError(err); ioErr != nil {
				return rep, ioErr
			}
			fatal(err)
			return rep, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case depth == 1 && t.Name.Local == "offres" && t.Name.Space == root.Name.Space:
				sawOffres, inOffres = true, true
				depth++
			case inOffres && depth == 2 && t.Name.Local == "formation" && t.Name.Space == root.Name.Space:
				rep.Formations++
				idx := rep.Formations
				fline, _ := d.InputPos()
				path := fmt.Sprintf("lheo/offres/formation[%d]", idx)
				n, perr := readTree(d, t, fline, root.Name.Space)
				if perr != nil {
					if ioErr := readError(perr); ioErr != nil {
						return rep, ioErr
					}
					if errors.Is(perr, errTooLarge) {
						rep.Rejected++
						rep.add(Issue{Formation: idx, Element: path, Line: fline, Key: KeyLHEOTooLarge, Args: []any{"Max", maxNodesPerFormation}})
						if err := skipRest(d, perr); err != nil {
							if ioErr := readError(err); ioErr != nil {
								return rep, ioErr
							}
							fatal(err)
							return rep, nil
						}
						progress(opts, rep)
						continue
					}
					fatal(perr)
					return rep, nil
				}
				f, issues := mapFormation(n, path, idx, opts)
				if len(issues) > 0 {
					rep.Rejected++
					for _, is := range issues {
						rep.add(is)
					}
				} else {
					rep.Imported++
					if err := fn(f); err != nil {
						return rep, err
					}
				}
				progress(opts, rep)
			default:
				if err := d.Skip(); err != nil {
					if ioErr := readError(err); ioErr != nil {
						return rep, ioErr
					}
					fatal(err)
					return rep, nil
				}
			}
		case xml.EndElement:
			depth--
			if depth == 1 {
				inOffres = false
			}
		}
	}
	if !sawOffres {
		rep.Fatal = true
		rep.add(Issue{Element: "lheo", Line: line, Key: KeyLHEOMissing, Args: []any{"Element", "offres"}})
	} else if rep.Formations == 0 {
		rep.Fatal = true
		rep.add(Issue{Element: "lheo/offres", Key: KeyLHEOMissing, Args: []any{"Element", "formation"}})
	}
	return rep, nil
}

func progress(opts ImportOptions, rep *Report) {
	if opts.Progress != nil {
		opts.Progress(rep.Formations)
	}
}

// readError returns err when it comes from the reader rather than from the
// XML (a file that is not XML is reported, a failing disk is returned).
func readError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errTooLarge) || errors.Is(err, errCharset) {
		return nil
	}
	if strings.HasPrefix(err.Error(), "xml:") {
		return nil
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

var errCharset = errors.New("unsupported charset")

func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return charmap.ISO8859_1.NewDecoder().Reader(input), nil
	case "iso-8859-15", "latin9":
		return charmap.ISO8859_15.NewDecoder().Reader(input), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(input), nil
	}
	return nil, errCharset
}

// node is one element of a formation, with the line it starts on.
type node struct {
	name string
	attr []xml.Attr
	text string
	kids []*node
	line int
}

var errTooLarge = errors.New("formation too large")

// treeLimits bound what readTree keeps of one element.
type treeLimits struct {
	nodes int // elements
	text  int // bytes of one element's text
	total int // bytes of text in all
}

var lheoLimits = treeLimits{nodes: maxNodesPerFormation, text: maxTextPerElement, total: maxBytesPerFormation}

// readTree reads the element that start opened into a tree of nodes.
func readTree(d *xml.Decoder, start xml.StartElement, line int, space string) (*node, error) {
	return readTreeLimits(d, start, line, space, lheoLimits)
}

func readTreeLimits(d *xml.Decoder, start xml.StartElement, line int, space string, lim treeLimits) (*node, error) {
	root := &node{name: start.Name.Local, attr: start.Attr, line: line}
	stack := []*node{root}
	texts := []*bytes.Buffer{{}}
	count, bytesKept := 1, 0
	for len(stack) > 0 {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > lim.nodes || len(stack) >= maxDepth {
				return nil, tooLarge{open: len(stack) + 1}
			}
			l, _ := d.InputPos()
			name := t.Name.Local
			if t.Name.Space != space && t.Name.Space != "" {
				name = t.Name.Space + " " + name // another vocabulary: never matches ours
			}
			n := &node{name: name, attr: t.Attr, line: l}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, n)
			stack = append(stack, n)
			texts = append(texts, &bytes.Buffer{})
		case xml.CharData:
			b := texts[len(texts)-1]
			if b.Len()+len(t) > lim.text || bytesKept+len(t) > lim.total {
				return nil, tooLarge{open: len(stack)}
			}
			bytesKept += len(t)
			b.Write(t)
		case xml.EndElement:
			top := stack[len(stack)-1]
			top.text = texts[len(texts)-1].String()
			stack = stack[:len(stack)-1]
			texts = texts[:len(texts)-1]
		}
	}
	return root, nil
}

// tooLarge is errTooLarge with the number of elements still open, to skip
// the rest of the formation.
type tooLarge struct{ open int }

func (tooLarge) Error() string        { return errTooLarge.Error() }
func (tooLarge) Is(target error) bool { return target == errTooLarge }

// skipRest skips the remaining elements of a formation that was too large.
func skipRest(d *xml.Decoder, err error) error {
	var tl tooLarge
	if !errors.As(err, &tl) {
		return nil
	}
	for depth := tl.open; depth > 0; {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

func (n *node) child(name string) *node {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (n *node) children(name string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

func (n *node) attrValue(name string) string {
	for _, a := range n.attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// value returns the trimmed text of a child, "" when absent.
func (n *node) value(name string) string {
	if k := n.child(name); k != nil {
		return strings.TrimSpace(k.text)
	}
	return ""
}

// extras returns the values of <extras info="maillage"> under n.
func (n *node) extras() map[string]string {
	var m map[string]string
	for _, e := range n.children("extras") {
		if e.attrValue("info") != extrasInfo {
			continue
		}
		for _, x := range e.children("extra") {
			if m == nil {
				m = map[string]string{}
			}
			m[x.attrValue("info")] = x.text
		}
	}
	return m
}

// where records the element and line each field of an offer came from, so
// that the problems of Offer.Validate point to the file.
type where map[string]loc

type loc struct {
	path string
	line int
}

// mapper turns one formation tree into a body and an offer.
type mapper struct {
	idx    int
	ix     *CertIndex
	issues []Issue
	at     where
}

func (m *mapper) issue(path string, line int, key string, args ...any) {
	m.issues = append(m.issues, Issue{Formation: m.idx, Element: path, Line: line, Key: key, Args: args})
}

func (m *mapper) missing(parent *node, path, name string) {
	m.issue(path, parent.line, KeyLHEOMissing, "Element", name)
}

func mapFormation(n *node, path string, idx int, opts ImportOptions) (Formation, []Issue) {
	m := &mapper{idx: idx, ix: opts.Certifications, at: where{}}
	o := &Offer{}
	b := &Body{}
	ext := n.extras()

	m.at["title"] = loc{path + "/intitule-formation", lineOf(n.child("intitule-formation"), n)}
	m.at["objectives"] = loc{path + "/objectif-formation", lineOf(n.child("objectif-formation"), n)}
	m.at["description"] = loc{path + "/contenu-formation", lineOf(n.child("contenu-formation"), n)}
	m.at["certifications"] = loc{path + "/certification", n.line}
	m.at["blocs"] = loc{path, n.line}
	m.at["contact"] = loc{path + "/contact-formation", lineOf(n.child("contact-formation"), n)}

	for _, req := range []string{"intitule-formation", "objectif-formation", "contenu-formation", "action", "organisme-formation-responsable"} {
		if n.child(req) == nil {
			m.missing(n, path, req)
		}
	}
	o.Title = strings.TrimSpace(textOf(n.child("intitule-formation")))
	o.Objectives = strings.TrimSpace(textOf(n.child("objectif-formation")))
	o.Description = strings.TrimSpace(textOf(n.child("contenu-formation")))
	if v, ok := ext[exDescription]; ok {
		o.Description = v
	}
	o.CreatedAt = m.dateTime(n, path, "horodatage-creation")
	o.UpdatedAt = m.dateTime(n, path, "horodatage-modification")
	if c := n.child("contact-formation"); c != nil {
		o.Contact = contactOf(c.child("coordonnees"))
	}
	o.ID = m.int64(ext, exID, path, n.line)
	o.StructureID = m.int64(ext, exStructure, path, n.line)

	// Certifications.
	if v, ok := ext[exCertifications]; ok {
		o.Certifications = splitList(v)
	} else {
		for i, c := range n.children("certification") {
			cp := fmt.Sprintf("%s/certification[%d]", path, i+1)
			code := m.certCode(c.value("code-RNCP"), c.value("code-RS"), cp, c.line)
			if code != "" && !contains(o.Certifications, code) {
				m.at["certifications."+strconv.Itoa(len(o.Certifications))] = loc{cp, c.line}
				o.Certifications = append(o.Certifications, code)
			}
		}
	}

	// Actions and sessions.
	var blocsFromSessions []string
	for ai, a := range n.children("action") {
		ap := fmt.Sprintf("%s/action[%d]", path, ai+1)
		if ai == 0 {
			m.action(a, ap, o)
		}
		var lieu *node
		if l := a.child("lieu-de-formation"); l != nil {
			lieu = l.child("coordonnees")
			if lieu != nil {
				lieu = lieu.child("adresse")
			}
		}
		sessions := a.children("session")
		if len(sessions) == 0 {
			m.missing(a, ap, "session")
		}
		for si, s := range sessions {
			sp := fmt.Sprintf("%s/session[%d]", ap, si+1)
			for _, code := range m.sessionBlocs(s, sp) {
				if !contains(blocsFromSessions, code) {
					blocsFromSessions = append(blocsFromSessions, code)
				}
			}
			if se := s.extras(); se[exNoSession] == "1" {
				continue
			}
			sess := m.session(s, sp, a, lieu, len(o.Sessions))
			o.Sessions = append(o.Sessions, sess)
		}
	}
	if v, ok := ext[exBlocs]; ok {
		o.Blocs = splitList(v)
	} else {
		o.Blocs = blocsFromSessions
	}
	if _, ok := ext[exCertifications]; !ok && m.ix != nil {
		// A bloc names its certification: add it when the file forgot it.
		for _, code := range o.Blocs {
			if bl := m.ix.Bloc(code); bl != nil && !contains(o.Certifications, bl.CertificationCode) {
				o.Certifications = append(o.Certifications, bl.CertificationCode)
			}
		}
	}
	if v, ok := ext[exFunding]; ok {
		o.Funding = nil
		for _, f := range splitList(v) {
			o.Funding = append(o.Funding, Funding(f))
		}
	}

	// Body.
	if r := n.child("organisme-formation-responsable"); r != nil {
		rp := path + "/organisme-formation-responsable"
		m.body(r, rp, b)
	}
	if o.StructureID == 0 {
		o.StructureID = b.StructureID
	}

	if opts.Commune != nil {
		for _, s := range o.Sessions {
			if p := &s.Place; !p.Remote && p.CodeInsee == "" && p.Postcode != "" {
				if code, ok := opts.Commune(p.Postcode, p.City); ok {
					p.CodeInsee = code
				}
			}
		}
	}

	// The rules of the offer and of the body, located in the file.
	for _, p := range o.Validate(m.ix) {
		l := m.locate(p.Field, path, n.line)
		m.issues = append(m.issues, Issue{Formation: idx, Element: l.path, Line: l.line, Field: p.Field, Key: p.Key, Args: p.Args})
	}
	for _, p := range b.Validate() {
		l := m.locate("organisme."+p.Field, path+"/organisme-formation-responsable", n.line)
		m.issues = append(m.issues, Issue{Formation: idx, Element: l.path, Line: l.line, Field: "organisme." + p.Field, Key: p.Key, Args: p.Args})
	}
	m.issues = dedupIssues(m.issues)
	return Formation{Body: b, Offer: o, Index: idx, Line: n.line}, m.issues
}

// dedupIssues keeps one issue per element: the parse problem before the
// rule that follows from it.
func dedupIssues(in []Issue) []Issue {
	seen := map[string]bool{}
	var out []Issue
	for _, is := range in {
		k := is.Element + "\x00" + is.Key
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, is)
	}
	return out
}

// locate returns where field came from: the field itself, or its closest
// parent that was recorded.
func (m *mapper) locate(field, path string, line int) loc {
	for f := field; f != ""; {
		if l, ok := m.at[f]; ok {
			return l
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return loc{path, line}
}

func (m *mapper) action(a *node, ap string, o *Offer) {
	switch a.value("modalites-enseignement") {
	case "0", "":
		o.Modality = ModalityPresentiel
	case "1":
		o.Modality = ModalityHybride
	case "2":
		o.Modality = ModalityDistanciel
	default:
		k := a.child("modalites-enseignement")
		m.issue(ap+"/modalites-enseignement", k.line, KeyLHEOBadValue, "Value", a.value("modalites-enseignement"))
	}
	m.at["modality"] = loc{ap + "/modalites-enseignement", lineOf(a.child("modalites-enseignement"), a)}
	if v := a.value("nombre-heures-total"); v != "" {
		k := a.child("nombre-heures-total")
		m.at["hours"] = loc{ap + "/nombre-heures-total", k.line}
		h, err := strconv.Atoi(v)
		if err != nil {
			m.issue(ap+"/nombre-heures-total", k.line, KeyLHEOBadNumber, "Value", v)
		}
		o.Hours = h
	}
	if v := a.value("prix-total-TTC"); v != "" {
		k := a.child("prix-total-TTC")
		m.at["price_cents"] = loc{ap + "/prix-total-TTC", k.line}
		c, ok := parseCents(v)
		if !ok {
			m.issue(ap+"/prix-total-TTC", k.line, KeyLHEOBadNumber, "Value", v)
		}
		o.PriceCents = c
	}
	for _, f := range a.children("organisme-financeur") {
		var fu Funding
		switch f.value("code-financeur") {
		case "2":
			fu = FundingRegion
		case "4":
			fu = FundingFranceTravail
		case "16", "17":
			fu = FundingOPCO
		default:
			fu = FundingAutre
		}
		if !containsFunding(o.Funding, fu) {
			o.Funding = append(o.Funding, fu)
		}
	}
}

func containsFunding(fs []Funding, f Funding) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

func (m *mapper) session(s *node, sp string, action, lieu *node, i int) *Session {
	ext := s.extras()
	field := "sessions." + strconv.Itoa(i)
	m.at[field] = loc{sp, s.line}
	sess := &Session{Registration: RegistrationOpen}
	sess.ID = m.int64(ext, exID, sp, s.line)
	sess.OfferID = m.int64(ext, exOffer, sp, s.line)

	per := s.child("periode")
	if per == nil {
		m.missing(s, sp, "periode")
	} else {
		pp := sp + "/periode"
		m.at[field+".start"] = loc{pp + "/debut", lineOf(per.child("debut"), per)}
		m.at[field+".end"] = loc{pp + "/fin", lineOf(per.child("fin"), per)}
		sess.Start = m.date(per, pp, "debut", false)
		sess.End = m.date(per, pp, "fin", true)
	}
	if v, ok := ext[exStart]; ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			sess.Start = t
		}
	}
	if v, ok := ext[exEnd]; ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			sess.End = t
		}
	}

	switch v := s.value("etat-recrutement"); v {
	case "", "1":
	case "2", "3":
		sess.Registration = RegistrationClosed
	default:
		m.issue(sp+"/etat-recrutement", s.child("etat-recrutement").line, KeyLHEOBadValue, "Value", v)
	}
	m.at[field+".registration"] = loc{sp + "/etat-recrutement", lineOf(s.child("etat-recrutement"), s)}
	if v, ok := ext[exRegistration]; ok {
		sess.Registration = RegistrationState(v)
	}
	if u := s.child("url-session"); u != nil {
		sess.RegistrationURL = u.value("urlweb")
		m.at[field+".registration_url"] = loc{sp + "/url-session/urlweb", u.line}
	}
	if v, ok := ext[exSeats]; ok {
		sess.Seats = int(m.int64(ext, exSeats, sp, s.line))
		_ = v
	}
	if _, ok := ext[exSeatsLeft]; ok {
		sess.SeatsLeft = int(m.int64(ext, exSeatsLeft, sp, s.line))
	}
	m.at[field+".seats"] = loc{sp, s.line}
	m.at[field+".seats_left"] = loc{sp, s.line}

	remote, known := ext[exRemote]
	switch {
	case known && remote == "1":
		sess.Place = Place{Remote: true}
	case known:
		sess.Place = placeOf(lieu)
		m.at[field+".place"] = loc{sp[:strings.LastIndex(sp, "/")] + "/lieu-de-formation", lineOf(lieu, action)}
	case lieu != nil:
		sess.Place = placeOf(lieu)
		m.at[field+".place"] = loc{sp[:strings.LastIndex(sp, "/")] + "/lieu-de-formation", lieu.line}
	case action.value("modalites-enseignement") == "2":
		sess.Place = Place{Remote: true}
	default:
		// No training place: the registration address is the best we have.
		if ai := s.child("adresse-inscription"); ai != nil {
			sess.Place = placeOf(ai.child("adresse"))
			m.at[field+".place"] = loc{sp + "/adresse-inscription", ai.line}
		} else {
			m.missing(s, sp, "adresse-inscription")
		}
	}
	return sess
}

// sessionBlocs returns the bloc codes of a session's blocs-competences.
func (m *mapper) sessionBlocs(s *node, sp string) []string {
	var out []string
	for gi, g := range s.children("blocs-competences") {
		for bi, b := range g.children("bloc-competences") {
			code := b.value("code-bloc")
			if code == "" {
				continue
			}
			if m.ix != nil {
				bl := m.ix.Bloc(code)
				if bl == nil {
					m.issue(fmt.Sprintf("%s/blocs-competences[%d]/bloc-competences[%d]/code-bloc", sp, gi+1, bi+1), b.line, KeyLHEOUnknownBloc, "Code", code)
					continue
				}
				code = bl.Code
			}
			out = append(out, code)
		}
	}
	return out
}

func (m *mapper) body(r *node, rp string, b *Body) {
	ext := r.extras()
	b.ActivityNumber = r.value("numero-activite")
	if s := r.child("SIRET-organisme-formation"); s != nil {
		b.SIRET = s.value("SIRET")
	}
	b.Name = r.value("nom-organisme")
	b.LegalName = r.value("raison-sociale")
	if c := r.child("coordonnees-organisme"); c != nil {
		if co := c.child("coordonnees"); co != nil {
			b.Address = placeOf(co.child("adresse"))
		}
	}
	if c := r.child("contact-organisme"); c != nil {
		b.Contact = contactOf(c.child("coordonnees"))
	}
	b.StructureID = m.int64(ext, exStructure, rp, r.line)
	b.Qualiopi = ext[exQualiopi] == "1"
	m.at["organisme.activity_number"] = loc{rp + "/numero-activite", lineOf(r.child("numero-activite"), r)}
	m.at["organisme.siret"] = loc{rp + "/SIRET-organisme-formation/SIRET", lineOf(r.child("SIRET-organisme-formation"), r)}
	m.at["organisme.name"] = loc{rp + "/nom-organisme", lineOf(r.child("nom-organisme"), r)}
	m.at["organisme.legal_name"] = loc{rp + "/raison-sociale", lineOf(r.child("raison-sociale"), r)}
	m.at["organisme.address"] = loc{rp + "/coordonnees-organisme", lineOf(r.child("coordonnees-organisme"), r)}
	m.at["organisme.contact"] = loc{rp + "/contact-organisme", lineOf(r.child("contact-organisme"), r)}
}

// certCode maps an LHEO certification code to a certification code of the
// referential.
func (m *mapper) certCode(rncp, rs, path string, line int) string {
	var number string
	switch {
	case rncp != "":
		number = "RNCP" + strings.TrimPrefix(strings.ToUpper(rncp), "RNCP")
	case rs != "":
		number = "RS" + strings.TrimPrefix(strings.ToUpper(rs), "RS")
	default:
		return ""
	}
	if m.ix == nil {
		return number
	}
	if c := m.ix.ByNumber(number); c != nil {
		return c.Code
	}
	m.issue(path, line, KeyLHEOUnknownCertif, "Code", number)
	return ""
}

func (m *mapper) int64(ext map[string]string, key, path string, line int) int64 {
	v, ok := ext[key]
	if !ok || v == "" {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		m.issue(path+"/extras/extra["+key+"]", line, KeyLHEOBadNumber, "Value", v)
	}
	return n
}

func (m *mapper) dateTime(n *node, path, attr string) time.Time {
	v := n.attrValue(attr)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		if t, err = time.ParseInLocation("2006-01-02T15:04:05", v, maillage.Paris); err != nil {
			m.issue(path+"/@"+attr, n.line, KeyLHEOBadDate, "Value", v)
		}
	}
	return t
}

// date reads an AAAAMMJJ date in Europe/Paris. A day or month 00 means the
// month or the year is known only: the first day for a start, the last
// for an end. 00000000 and 99999999 (unknown) are reported: a session needs
// its dates.
func (m *mapper) date(per *node, pp, name string, end bool) time.Time {
	k := per.child(name)
	if k == nil {
		m.missing(per, pp, name)
		return time.Time{}
	}
	p := pp + "/" + name
	v := strings.TrimSpace(k.text)
	if v == lheoUnknownStart || v == lheoUnknownEnd {
		m.issue(p, k.line, KeyLHEOUnknownDate)
		return time.Time{}
	}
	if len(v) != 8 || !allDigits(v) {
		m.issue(p, k.line, KeyLHEOBadDate, "Value", v)
		return time.Time{}
	}
	y, _ := strconv.Atoi(v[:4])
	mo, _ := strconv.Atoi(v[4:6])
	d, _ := strconv.Atoi(v[6:])
	if mo > 12 || d > 31 || y == 0 {
		m.issue(p, k.line, KeyLHEOBadDate, "Value", v)
		return time.Time{}
	}
	if mo == 0 {
		if end {
			mo, d = 12, 31
		} else {
			mo, d = 1, 1
		}
	}
	if d == 0 {
		if end {
			d = time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, maillage.Paris).Day()
		} else {
			d = 1
		}
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, maillage.Paris)
	if t.Day() != d {
		m.issue(p, k.line, KeyLHEOBadDate, "Value", v)
		return time.Time{}
	}
	return t
}

func lineOf(n, parent *node) int {
	if n != nil {
		return n.line
	}
	if parent != nil {
		return parent.line
	}
	return 0
}

func textOf(n *node) string {
	if n == nil {
		return ""
	}
	return n.text
}

func contactOf(c *node) Contact {
	if c == nil {
		return Contact{}
	}
	ct := Contact{Name: c.value("nom"), Email: c.value("courriel")}
	for _, kind := range []string{"telfixe", "portable"} {
		if t := c.child(kind); t != nil && ct.Phone == "" {
			ct.Phone = t.value("numtel")
		}
	}
	if p := c.value("prenom"); p != "" && ct.Name != "" {
		ct.Name = p + " " + ct.Name
	}
	return ct
}

func placeOf(a *node) Place {
	if a == nil {
		return Place{}
	}
	var lines []string
	for _, l := range a.children("ligne") {
		if v := strings.TrimSpace(l.text); v != "" && v != "-" {
			lines = append(lines, v)
		}
	}
	return Place{
		CodeInsee: a.value("code-INSEE-commune"),
		Postcode:  a.value("codepostal"),
		City:      a.value("ville"),
		Address:   strings.Join(lines, "\n"),
	}
}

// parseCents reads a price in euros ("1500", "1500.5", "1 500,50").
func parseCents(v string) (int64, bool) {
	v = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "€", "").Replace(v)
	v = strings.Replace(v, ",", ".", 1)
	ent, frac, _ := strings.Cut(v, ".")
	if ent == "" || !allDigits(ent) || len(ent) > 12 || (frac != "" && (!allDigits(frac) || len(frac) > 2)) {
		return 0, false
	}
	e, _ := strconv.ParseInt(ent, 10, 64)
	c := e * 100
	switch len(frac) {
	case 1:
		c += int64(frac[0]-'0') * 10
	case 2:
		f, _ := strconv.Atoi(frac)
		c += int64(f)
	}
	return c, true
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, "|")
}
