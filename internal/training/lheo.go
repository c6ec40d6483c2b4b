package training

// LHEO (Langage harmonisé d'échange d'informations sur l'offre de
// formation) 2.3, namespace http://lheo.gouv.fr/2.3: the national format of
// training offers. No maintained Go library reads or writes it, so the
// mapping is written here by hand with encoding/xml, after the official XSD
// (the element names and their order are the XSD's sequences).
//
// One formation per offer; one action per session (an action carries the
// training place, and each of our sessions has its own); the training body
// is the organisme-formation-responsable. What LHEO cannot say (our ids,
// seats, the exact funding set, the registration state "complete", the hours
// of the day, a description longer than contenu-formation) travels in an
// <extras info="maillage"> block, so an export imports back without loss.

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database
	"unicode/utf8"

	"maillage/internal/maillage"
)

// LHEO namespaces.
const (
	NamespaceLHEO23 = "http://lheo.gouv.fr/2.3"
	NamespaceLHEO22 = "http://www.lheo.org/2.2"
)

// Unknown dates in LHEO.
const (
	lheoUnknownStart = "00000000"
	lheoUnknownEnd   = "99999999"
)

// The extras block that carries what LHEO cannot say.
const extrasInfo = "maillage"

// Keys of the extras.
const (
	exID             = "id"
	exStructure      = "structure-id"
	exCertifications = "certifications"
	exBlocs          = "blocs"
	exFunding        = "financements"
	exDescription    = "description"
	exOffer          = "offre-id"
	exStart          = "debut"
	exEnd            = "fin"
	exSeats          = "places"
	exSeatsLeft      = "places-restantes"
	exRegistration   = "inscription"
	exRemote         = "a-distance"
	exNoSession      = "aucune-session"
	exQualiopi       = "qualiopi"
)

// Constant values of required "premier cercle" elements that the offers do
// not model.
const (
	lheoParcours       = "1"     // parcours-de-formation
	lheoNiveauEntree   = "0"     // code-niveau-entree: information not given
	lheoPublicVise     = "83056" // code-public-vise (FORMACODE of the public): all publics
	lheoEntreesSorties = "0"     // modalites-entrees-sorties: fixed dates
	lheoValidationBloc = "1"     // validation-blocs
)

// Texts of required free-text elements, asked of ExportOptions.Text.
const (
	KeyLHEORhythm      = "training.lheo.text.rhythm"     // Hours (0: unknown)
	KeyLHEOAlternance  = "training.lheo.text.alternance" //
	KeyLHEOConditions  = "training.lheo.text.conditions" //
	KeyLHEONoFormation = "training.lheo.no_formation"    //
	KeyLHEOInvalidBody = "training.lheo.invalid_body"    // Field
	KeyLHEOExportOffer = "training.lheo.invalid_offer"   // Field
	KeyLHEOInvalidFile = "training.lheo.invalid_file"    // Count
	KeyLHEOWrite       = "training.lheo.write_failed"    //
)

// ExportOptions tunes an LHEO export.
type ExportOptions struct {
	// Certifications gives the numbers (code-RNCP) and the labels of the
	// blocs; without it certifications and blocs travel in extras only.
	Certifications *CertIndex
	// Text renders the required free-text elements the offers do not
	// model (rythme-formation, modalites-alternance, conditions-specifiques)
	// from a message key; nil writes the key itself.
	Text func(key string, args ...any) string
	// Now, when set, is written as the export time of the file.
	Now time.Time
}

// Formation is one offer of an LHEO file with its training body.
type Formation struct {
	Body  *Body
	Offer *Offer // with its Sessions
	Index int    // 1-based position in the file (import)
	Line  int    // line of <formation> (import)
}

// LHEOWriter writes an LHEO 2.3 file one formation at a time, so an export
// of every offer never holds them all.
type LHEOWriter struct {
	w       *bufio.Writer
	enc     *xml.Encoder
	opts    ExportOptions
	n       int
	started bool
	err     error
}

// NewLHEOWriter returns a writer of an LHEO 2.3 file to w.
func NewLHEOWriter(w io.Writer, opts ExportOptions) *LHEOWriter {
	bw := bufio.NewWriter(w)
	enc := xml.NewEncoder(bw)
	enc.Indent("", " ")
	return &LHEOWriter{w: bw, enc: enc, opts: opts}
}

// WriteLHEO writes formations as one LHEO 2.3 file.
func WriteLHEO(w io.Writer, formations []Formation, opts ExportOptions) error {
	lw := NewLHEOWriter(w, opts)
	for _, f := range formations {
		if err := lw.Write(f.Body, f.Offer); err != nil {
			return err
		}
	}
	return lw.Close()
}

var (
	nameLHEO   = xml.Name{Space: NamespaceLHEO23, Local: "lheo"}
	nameOffres = xml.Name{Local: "offres"}
)

func (lw *LHEOWriter) start() error {
	if lw.started {
		return lw.err
	}
	lw.started = true
	if _, err := lw.w.WriteString(xml.Header); err != nil {
		lw.err = err
		return err
	}
	root := xml.StartElement{Name: nameLHEO}
	if !lw.opts.Now.IsZero() {
		root.Attr = append(root.Attr, xml.Attr{Name: xml.Name{Local: "horodatage-export"}, Value: lheoDateTime(lw.opts.Now)})
	}
	if err := lw.enc.EncodeToken(root); err != nil {
		lw.err = err
		return err
	}
	lw.err = lw.enc.EncodeToken(xml.StartElement{Name: nameOffres})
	return lw.err
}

// Write writes one formation: the offer (with its sessions) of body. An
// invalid body or offer is refused (EINVALID, the file stays valid so far).
func (lw *LHEOWriter) Write(b *Body, o *Offer) error {
	if err := lw.start(); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, KeyLHEOWrite)
	}
	if ps := b.Validate(); len(ps) > 0 {
		return maillage.Errorf(maillage.EINVALID, KeyLHEOInvalidBody, "Field", ps[0].Field)
	}
	if ps := o.Validate(lw.opts.Certifications); len(ps) > 0 {
		return maillage.Errorf(maillage.EINVALID, KeyLHEOExportOffer, "Field", ps[0].Field)
	}
	f := lw.formation(b, o)
	if err := lw.enc.Encode(f); err != nil {
		lw.err = err
		return maillage.Wrap(maillage.EINTERNAL, err, KeyLHEOWrite)
	}
	lw.n++
	return nil
}

// Close ends the file. A file without formation is not valid LHEO: Close
// then returns an EINVALID error.
func (lw *LHEOWriter) Close() error {
	if lw.n == 0 {
		return maillage.Errorf(maillage.EINVALID, KeyLHEONoFormation)
	}
	if lw.err != nil {
		return maillage.Wrap(maillage.EINTERNAL, lw.err, KeyLHEOWrite)
	}
	if err := lw.enc.EncodeToken(xml.EndElement{Name: nameOffres}); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, KeyLHEOWrite)
	}
	if err := lw.enc.EncodeToken(xml.EndElement{Name: nameLHEO}); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, KeyLHEOWrite)
	}
	if err := lw.enc.Flush(); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, KeyLHEOWrite)
	}
	if _, err := lw.w.WriteString("\n"); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, KeyLHEOWrite)
	}
	if err := lw.w.Flush(); err != nil {
		return maillage.Wrap(maillage.EINTERNAL, err, KeyLHEOWrite)
	}
	return nil
}

func (lw *LHEOWriter) text(key string, args ...any) string {
	s := key
	if lw.opts.Text != nil {
		s = lw.opts.Text(key, args...)
	}
	s = cut(strings.TrimSpace(s), 3000)
	if s == "" {
		return "-"
	}
	return s
}

// The XML of an export: one struct per element, fields in the order of the
// XSD sequence.

type xExtras struct {
	Info  string   `xml:"info,attr"`
	Extra []xExtra `xml:"extra"`
}

type xExtra struct {
	Info  string `xml:"info,attr"`
	Value string `xml:",chardata"`
}

type xCoordonnees struct {
	Nom      string    `xml:"nom,omitempty"`
	Adresse  *xAdresse `xml:"adresse,omitempty"`
	Telfixe  *xNumtel  `xml:"telfixe,omitempty"`
	Courriel string    `xml:"courriel,omitempty"`
}

type xNumtel struct {
	Numtel string `xml:"numtel"`
}

type xAdresse struct {
	Ligne      []string `xml:"ligne"`
	Codepostal string   `xml:"codepostal"`
	Ville      string   `xml:"ville"`
	CodeINSEE  string   `xml:"code-INSEE-commune,omitempty"`
}

type xContact struct {
	Coordonnees xCoordonnees `xml:"coordonnees"`
}

type xCertification struct {
	CodeRNCP string `xml:"code-RNCP,omitempty"`
	CodeRS   string `xml:"code-RS,omitempty"`
}

type xRefCertification struct {
	CodeRNCP string `xml:"reference-code-RNCP,omitempty"`
	CodeRS   string `xml:"reference-code-RS,omitempty"`
}

type xBlocs struct {
	Validation string            `xml:"validation-blocs"`
	Reference  xRefCertification `xml:"reference-certification"`
	Blocs      []xBloc           `xml:"bloc-competences"`
}

type xBloc struct {
	Libelle string `xml:"libelle-bloc"`
	Code    string `xml:"code-bloc"`
}

type xPeriode struct {
	Debut string `xml:"debut"`
	Fin   string `xml:"fin"`
}

type xURL struct {
	URLWeb string `xml:"urlweb"`
}

type xSession struct {
	Periode            xPeriode  `xml:"periode"`
	AdresseInscription xAdresseH `xml:"adresse-inscription"`
	EtatRecrutement    string    `xml:"etat-recrutement,omitempty"`
	URLSession         *xURL     `xml:"url-session,omitempty"`
	Blocs              []xBlocs  `xml:"blocs-competences"`
	Extras             []xExtras `xml:"extras"`
}

type xAdresseH struct {
	Adresse xAdresse `xml:"adresse"`
}

type xLieu struct {
	Coordonnees xCoordonnees `xml:"coordonnees"`
}

type xFinanceur struct {
	Code string `xml:"code-financeur"`
}

type xAction struct {
	Rythme             string       `xml:"rythme-formation"`
	PublicVise         []string     `xml:"code-public-vise"`
	NiveauObligatoire  string       `xml:"niveau-entree-obligatoire"`
	Alternance         string       `xml:"modalites-alternance"`
	Enseignement       string       `xml:"modalites-enseignement"`
	Conditions         string       `xml:"conditions-specifiques"`
	PriseEnCharge      string       `xml:"prise-en-charge-frais-possible"`
	Lieux              []xLieu      `xml:"lieu-de-formation"`
	EntreesSorties     string       `xml:"modalites-entrees-sorties"`
	Sessions           []xSession   `xml:"session"`
	PrixTotal          string       `xml:"prix-total-TTC,omitempty"`
	NombreHeuresTotal  string       `xml:"nombre-heures-total,omitempty"`
	OrganismeFinanceur []xFinanceur `xml:"organisme-financeur"`
}

type xOrganisme struct {
	NumeroActivite string     `xml:"numero-activite"`
	SIRET          xSIRET     `xml:"SIRET-organisme-formation"`
	Nom            string     `xml:"nom-organisme"`
	RaisonSociale  string     `xml:"raison-sociale"`
	Coordonnees    xContact   `xml:"coordonnees-organisme"`
	Contacts       []xContact `xml:"contact-organisme"`
	Extras         []xExtras  `xml:"extras"`
}

type xSIRET struct {
	SIRET string `xml:"SIRET"`
}

type xDomaine struct{}

type xFormation struct {
	XMLName        xml.Name         `xml:"formation"`
	Creation       string           `xml:"horodatage-creation,attr,omitempty"`
	Modification   string           `xml:"horodatage-modification,attr,omitempty"`
	Domaine        xDomaine         `xml:"domaine-formation"`
	Intitule       string           `xml:"intitule-formation"`
	Objectif       string           `xml:"objectif-formation"`
	Resultats      string           `xml:"resultats-attendus"`
	Contenu        string           `xml:"contenu-formation"`
	Certifiante    string           `xml:"certifiante"`
	Contacts       []xContact       `xml:"contact-formation"`
	Parcours       string           `xml:"parcours-de-formation"`
	NiveauEntree   string           `xml:"code-niveau-entree"`
	Certifications []xCertification `xml:"certification"`
	Actions        []xAction        `xml:"action"`
	Organisme      xOrganisme       `xml:"organisme-formation-responsable"`
	Extras         []xExtras        `xml:"extras"`
}

func (lw *LHEOWriter) formation(b *Body, o *Offer) *xFormation {
	ix := lw.opts.Certifications
	f := &xFormation{
		Intitule:     o.Title,
		Objectif:     o.Objectives,
		Resultats:    o.Objectives,
		Certifiante:  bit(len(o.Certifications) > 0),
		Contacts:     []xContact{{Coordonnees: coordonnees(o.Contact, nil)}},
		Parcours:     lheoParcours,
		NiveauEntree: lheoNiveauEntree,
	}
	if !o.CreatedAt.IsZero() {
		f.Creation = lheoDateTime(o.CreatedAt)
	}
	if !o.UpdatedAt.IsZero() {
		f.Modification = lheoDateTime(o.UpdatedAt)
	}
	f.Contenu = cut(o.Description, 3000)
	if strings.TrimSpace(f.Contenu) == "" {
		f.Contenu = o.Objectives
	}

	ext := extras{}
	ext.add(exID, id(o.ID))
	ext.add(exStructure, id(o.StructureID))
	ext.add(exCertifications, strings.Join(o.Certifications, "|"))
	ext.add(exBlocs, strings.Join(o.Blocs, "|"))
	ext.add(exFunding, joinFunding(o.Funding))
	if f.Contenu != o.Description {
		ext.add(exDescription, o.Description)
	}
	f.Extras = ext.block()

	for _, code := range o.Certifications {
		if c := ix.Certification(code); c != nil {
			if xc, ok := certificationCode(c); ok {
				f.Certifications = append(f.Certifications, xc)
			}
		}
	}

	// Blocs, grouped by certification, for every session.
	var groups []xBlocs
	for _, code := range o.Certifications {
		c := ix.Certification(code)
		if c == nil {
			continue
		}
		g := xBlocs{Validation: lheoValidationBloc}
		if xc, ok := certificationCode(c); ok {
			g.Reference = xRefCertification{CodeRNCP: xc.CodeRNCP, CodeRS: xc.CodeRS}
		}
		for _, bc := range o.Blocs {
			bl := ix.Bloc(bc)
			if bl == nil || bl.CertificationCode != c.Code {
				continue
			}
			off := OfficialBlocCode(c, bl)
			if off == "" && len(bl.Code) >= 8 && len(bl.Code) <= 40 {
				off = bl.Code
			}
			if off == "" {
				continue // travels in extras only
			}
			label := cut(strings.TrimSpace(bl.Label), 500)
			if label == "" {
				label = off
			}
			g.Blocs = append(g.Blocs, xBloc{Libelle: label, Code: off})
		}
		if len(g.Blocs) > 0 {
			groups = append(groups, g)
		}
	}

	action := func() xAction {
		a := xAction{
			Rythme:            lw.text(KeyLHEORhythm, "Hours", o.Hours),
			PublicVise:        []string{lheoPublicVise},
			NiveauObligatoire: "0",
			Alternance:        lw.text(KeyLHEOAlternance),
			Enseignement:      enseignement(o.Modality),
			Conditions:        lw.text(KeyLHEOConditions),
			PriseEnCharge:     bit(len(o.Funding) > 0),
			EntreesSorties:    lheoEntreesSorties,
		}
		if o.PriceCents > 0 {
			a.PrixTotal = fmt.Sprintf("%d.%02d", o.PriceCents/100, o.PriceCents%100)
		}
		if o.Hours > 0 {
			a.NombreHeuresTotal = strconv.Itoa(o.Hours)
		}
		for _, c := range financeurs(o.Funding) {
			a.OrganismeFinanceur = append(a.OrganismeFinanceur, xFinanceur{Code: c})
		}
		return a
	}

	for _, s := range o.Sessions {
		a := action()
		if !s.Place.Remote {
			a.Lieux = []xLieu{{Coordonnees: xCoordonnees{Adresse: adresse(s.Place)}}}
		}
		a.Sessions = []xSession{lw.session(b, o, s, groups)}
		f.Actions = append(f.Actions, a)
	}
	if len(o.Sessions) == 0 {
		// LHEO needs an action with a session: an offer without sessions
		// gets one with unknown dates, marked so that it imports as none.
		a := action()
		se := extras{}
		se.add(exNoSession, "1")
		a.Sessions = []xSession{{
			Periode:            xPeriode{Debut: lheoUnknownStart, Fin: lheoUnknownEnd},
			AdresseInscription: xAdresseH{Adresse: *adresse(b.Address)},
			Blocs:              groups,
			Extras:             se.block(),
		}}
		f.Actions = append(f.Actions, a)
	}

	f.Organisme = xOrganisme{
		NumeroActivite: b.ActivityNumber,
		SIRET:          xSIRET{SIRET: b.SIRET},
		Nom:            b.Name,
		RaisonSociale:  b.LegalName,
		Coordonnees:    xContact{Coordonnees: xCoordonnees{Adresse: adresse(b.Address)}},
		Contacts:       []xContact{{Coordonnees: coordonnees(b.Contact, nil)}},
	}
	be := extras{}
	be.add(exStructure, id(b.StructureID))
	be.add(exQualiopi, bit(b.Qualiopi))
	f.Organisme.Extras = be.block()
	return f
}

func (lw *LHEOWriter) session(b *Body, o *Offer, s *Session, groups []xBlocs) xSession {
	place := s.Place
	if place.Remote {
		place = b.Address
	}
	x := xSession{
		Periode:            xPeriode{Debut: lheoDate(s.Start), Fin: lheoDate(s.End)},
		AdresseInscription: xAdresseH{Adresse: *adresse(place)},
		EtatRecrutement:    etatRecrutement(s.Registration),
		Blocs:              groups,
	}
	if s.RegistrationURL != "" {
		x.URLSession = &xURL{URLWeb: s.RegistrationURL}
	}
	e := extras{}
	e.add(exID, id(s.ID))
	e.add(exOffer, id(s.OfferID))
	e.add(exStart, s.Start.Format(time.RFC3339Nano))
	e.add(exEnd, s.End.Format(time.RFC3339Nano))
	e.add(exSeats, strconv.Itoa(s.Seats))
	e.add(exSeatsLeft, strconv.Itoa(s.SeatsLeft))
	e.add(exRegistration, string(s.Registration))
	e.add(exRemote, bit(s.Place.Remote))
	x.Extras = e.block()
	return x
}

type extras []xExtra

func (e *extras) add(key, value string) { *e = append(*e, xExtra{Info: key, Value: value}) }

func (e extras) block() []xExtras {
	if len(e) == 0 {
		return nil
	}
	return []xExtras{{Info: extrasInfo, Extra: e}}
}

func coordonnees(c Contact, a *xAdresse) xCoordonnees {
	x := xCoordonnees{Nom: c.Name, Adresse: a, Courriel: c.Email}
	if c.Phone != "" {
		x.Telfixe = &xNumtel{Numtel: c.Phone}
	}
	return x
}

func adresse(p Place) *xAdresse {
	a := &xAdresse{Codepostal: p.Postcode, Ville: p.City, CodeINSEE: p.CodeInsee}
	if p.Address != "" {
		a.Ligne = strings.Split(p.Address, "\n")
	} else {
		a.Ligne = []string{"-"} // ligne is required; "-" is what producers write for none
	}
	return a
}

// certificationCode returns the LHEO code of a certification: the digits
// of its number in code-RNCP or code-RS.
func certificationCode(c *maillage.Certification) (xCertification, bool) {
	n := strings.ToUpper(c.Number)
	if d, ok := strings.CutPrefix(n, "RNCP"); ok && allDigits(d) && len(d) <= 10 {
		return xCertification{CodeRNCP: d}, true
	}
	if d, ok := strings.CutPrefix(n, "RS"); ok && allDigits(d) && len(d) >= 3 && len(d) <= 10 {
		return xCertification{CodeRS: d}, true
	}
	return xCertification{}, false
}

func enseignement(m Modality) string {
	switch m {
	case ModalityHybride:
		return "1"
	case ModalityDistanciel:
		return "2"
	}
	return "0"
}

func etatRecrutement(s RegistrationState) string {
	if s == RegistrationOpen {
		return "1"
	}
	return "2"
}

// financeurs maps fundings to LHEO code-financeur values: 2 conseil
// régional, 4 France Travail (Pôle emploi), 16 OPCA (now OPCO), 0 other.
// The CPF has no code of its own that we could confirm: it is written as
// other, and the exact set travels in extras.
func financeurs(fs []Funding) []string {
	var out []string
	for _, f := range fs {
		c := "0"
		switch f {
		case FundingRegion:
			c = "2"
		case FundingFranceTravail:
			c = "4"
		case FundingOPCO:
			c = "16"
		}
		if !contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func joinFunding(fs []Funding) string {
	ss := make([]string, len(fs))
	for i, f := range fs {
		ss[i] = string(f)
	}
	return strings.Join(ss, "|")
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// lheoDate writes the day of t in Europe/Paris as AAAAMMJJ.
func lheoDate(t time.Time) string { return t.In(maillage.Paris).Format("20060102") }

// lheoDateTime writes t as an xs:dateTime in UTC.
func lheoDateTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// cut returns the first max characters of s, never splitting one.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}
