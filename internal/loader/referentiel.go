package loader

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"maillage/internal/maillage"
)

// The files of the referentiel content set.
const (
	PixFile            = "referentiel/pix.yaml"
	CertificationsFile = "referentiel/certifications.yaml"
)

func (l *Loader) syncReferentiel(ctx context.Context) (Result, error) {
	res := Result{Name: "referentiel"}
	sha, err := hashFiles(l.FS, PixFile, CertificationsFile)
	if err != nil {
		return res, err
	}
	if prev, err := l.Store.ContentHash(ctx, res.Name); err != nil {
		return res, err
	} else if prev == sha {
		res.Skipped = true
		return res, nil
	}
	ref, err := ParseReferentiel(l.FS)
	if err != nil {
		return res, err
	}
	if err := l.Store.SyncReferentiel(ctx, sha, ref); err != nil {
		return res, err
	}
	blocs := 0
	for _, c := range ref.Certifications {
		blocs += len(c.Blocs)
	}
	res.Rows = len(ref.Domains) + len(ref.Competences) + len(ref.Levels) + len(ref.PixLevels) + len(ref.Certifications) + blocs
	if l.Log != nil {
		l.Log.Info("content synced", "set", res.Name, "domains", len(ref.Domains), "competences", len(ref.Competences),
			"certifications", len(ref.Certifications), "blocs", blocs)
	}
	return res, nil
}

// The YAML shapes of the files. Field names are French, as the files are
// edited by people who know the domain; type names are what a strict-decoding
// error shows ("field libele not found in domaine").

type pixFile struct {
	Version              string                `yaml:"version"`
	Domaines             []domaine             `yaml:"domaines"`
	Niveaux              []niveau              `yaml:"niveaux"`
	NiveauxCertification []niveauCertification `yaml:"niveaux_certification"`
}

type domaine struct {
	Code        string       `yaml:"code"`
	Libelle     string       `yaml:"libelle"`
	Competences []competence `yaml:"competences"`
}

type competence struct {
	Code      string   `yaml:"code"`
	Libelle   string   `yaml:"libelle"`
	Variantes []string `yaml:"variantes"`
}

type niveau struct {
	Niveau int    `yaml:"niveau"`
	Nom    string `yaml:"nom"`
}

type niveauCertification struct {
	Niveau int    `yaml:"niveau"`
	Cle    string `yaml:"cle"`
	PixMin int    `yaml:"pix_min"`
	PixMax int    `yaml:"pix_max"`
}

type certificationsFile struct {
	Version        string          `yaml:"version"`
	Certifications []certification `yaml:"certifications"`
}

type certification struct {
	Code          string     `yaml:"code"`
	Type          string     `yaml:"type"`
	Numero        string     `yaml:"numero"`
	Confirme      bool       `yaml:"confirme"`
	Intitule      string     `yaml:"intitule"`
	Niveau        int        `yaml:"niveau"`
	NSF           string     `yaml:"nsf"`
	Certificateur string     `yaml:"certificateur"`
	Texte         string     `yaml:"texte"`
	ValideDu      *time.Time `yaml:"valide_du"`
	ValideAu      *time.Time `yaml:"valide_au"`
	Remplace      string     `yaml:"remplace"`
	Note          string     `yaml:"note"`
	Blocs         []bloc     `yaml:"blocs"`
}

type bloc struct {
	Code        string   `yaml:"code"`
	Rang        int      `yaml:"rang"`
	Libelle     string   `yaml:"libelle"`
	Statut      string   `yaml:"statut"`
	Competences []string `yaml:"competences"`
	Note        string   `yaml:"note"`
}

// decodeYAML decodes one YAML document strictly: an unknown field is an error.
func decodeYAML(fsys fs.FS, name string, v any) (sha string, err error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("%s: empty file", name)
		}
		return "", fmt.Errorf("%s: %s", name, strings.ReplaceAll(err.Error(), "in type loader.", "in "))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// problems collects the validation errors of one file, each naming the file
// and the field at fault.
type problems struct {
	file string
	errs []error
}

func (p *problems) add(field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s", p.file, field, fmt.Sprintf(format, args...)))
}

func (p *problems) err() error { return errors.Join(p.errs...) }

var numberPattern = map[maillage.CertificationKind]*regexp.Regexp{
	maillage.KindRNCP: regexp.MustCompile(`^RNCP\d+$`),
	maillage.KindRS:   regexp.MustCompile(`^RS\d+$`),
}

// ParseReferentiel reads and validates referentiel/pix.yaml and
// referentiel/certifications.yaml. Every problem is reported, each naming
// its file and field.
func ParseReferentiel(fsys fs.FS) (*maillage.Referential, error) {
	var pf pixFile
	pixSHA, err := decodeYAML(fsys, PixFile, &pf)
	if err != nil {
		return nil, err
	}
	var cf certificationsFile
	certSHA, err := decodeYAML(fsys, CertificationsFile, &cf)
	if err != nil {
		return nil, err
	}
	ref := &maillage.Referential{}
	p := &problems{file: PixFile}
	checkTexts(p, reflect.ValueOf(pf), "")

	if strings.TrimSpace(pf.Version) == "" {
		p.add("version", "missing: give the version of the file")
	}
	if len(pf.Domaines) == 0 {
		p.add("domaines", "missing: the referential needs at least one domain")
	}
	domains, competences := map[string]bool{}, map[string]bool{}
	for i, d := range pf.Domaines {
		field := fmt.Sprintf("domaines[%d]", i)
		switch {
		case d.Code == "":
			p.add(field+".code", "missing")
		case domains[d.Code]:
			p.add(field+".code", "%q is used twice", d.Code)
		}
		domains[d.Code] = true
		if strings.TrimSpace(d.Libelle) == "" {
			p.add(field+".libelle", "missing")
		}
		ref.Domains = append(ref.Domains, &maillage.Domain{Code: d.Code, Label: strings.TrimSpace(d.Libelle), Rank: i + 1})
		for j, c := range d.Competences {
			cfield := fmt.Sprintf("%s.competences[%d]", field, j)
			switch {
			case c.Code == "":
				p.add(cfield+".code", "missing")
			case competences[c.Code]:
				p.add(cfield+".code", "%q is used twice", c.Code)
			}
			competences[c.Code] = true
			if strings.TrimSpace(c.Libelle) == "" {
				p.add(cfield+".libelle", "missing")
			}
			variants := c.Variantes
			if variants == nil {
				variants = []string{}
			}
			ref.Competences = append(ref.Competences, &maillage.Competence{Code: c.Code, Label: strings.TrimSpace(c.Libelle),
				DomainCode: d.Code, Rank: len(ref.Competences) + 1, Variants: variants})
		}
	}

	levels := map[int]bool{}
	for i, lv := range pf.Niveaux {
		field := fmt.Sprintf("niveaux[%d]", i)
		if lv.Niveau < maillage.MinLevel || lv.Niveau > maillage.MaxLevel {
			p.add(field+".niveau", "%d is out of range: levels go from %d to %d", lv.Niveau, maillage.MinLevel, maillage.MaxLevel)
		} else if levels[lv.Niveau] {
			p.add(field+".niveau", "%d is used twice", lv.Niveau)
		}
		levels[lv.Niveau] = true
		if strings.TrimSpace(lv.Nom) == "" {
			p.add(field+".nom", "missing")
		}
		ref.Levels = append(ref.Levels, &maillage.Level{Level: lv.Niveau, Name: strings.TrimSpace(lv.Nom)})
	}
	for n := maillage.MinLevel; n <= maillage.MaxLevel; n++ {
		if !levels[n] {
			p.add("niveaux", "level %d is missing: give every level from %d to %d", n, maillage.MinLevel, maillage.MaxLevel)
		}
	}

	pixLevels := map[int]bool{}
	for i, lv := range pf.NiveauxCertification {
		field := fmt.Sprintf("niveaux_certification[%d]", i)
		if lv.Niveau < 0 || lv.Niveau > maillage.MaxLevel {
			p.add(field+".niveau", "%d is out of range: global levels go from 0 to %d", lv.Niveau, maillage.MaxLevel)
		} else if pixLevels[lv.Niveau] {
			p.add(field+".niveau", "%d is used twice", lv.Niveau)
		}
		pixLevels[lv.Niveau] = true
		if lv.Cle == "" {
			p.add(field+".cle", "missing")
		}
		if lv.PixMin < 0 || lv.PixMin > lv.PixMax {
			p.add(field+".pix_min", "%d–%d is not a range of pix", lv.PixMin, lv.PixMax)
		}
		ref.PixLevels = append(ref.PixLevels, &maillage.PixLevel{Level: lv.Niveau, Key: lv.Cle, PixMin: lv.PixMin, PixMax: lv.PixMax})
	}
	for n := 0; n <= maillage.MaxLevel; n++ {
		if !pixLevels[n] {
			p.add("niveaux_certification", "level %d is missing: give every global level from 0 to %d", n, maillage.MaxLevel)
		}
	}
	pixErr := p.err()

	p = &problems{file: CertificationsFile}
	checkTexts(p, reflect.ValueOf(cf), "")
	if strings.TrimSpace(cf.Version) == "" {
		p.add("version", "missing: give the version of the file")
	}
	certs, blocs := map[string]bool{}, map[string]bool{}
	for _, c := range cf.Certifications {
		certs[c.Code] = true
	}
	seen := map[string]bool{}
	for i, c := range cf.Certifications {
		field := fmt.Sprintf("certifications[%d]", i)
		if c.Code != "" {
			field = fmt.Sprintf("certifications[%d] (%s)", i, c.Code)
		}
		switch {
		case c.Code == "":
			p.add(field+".code", "missing")
		case seen[c.Code]:
			p.add(field+".code", "%q is used twice", c.Code)
		}
		seen[c.Code] = true
		kind := maillage.CertificationKind(c.Type)
		if !kind.Valid() {
			p.add(field+".type", "%q is not RNCP or RS", c.Type)
		} else if c.Numero != "" && !numberPattern[kind].MatchString(c.Numero) {
			p.add(field+".numero", "%q does not look like a %s number (e.g. %s1234)", c.Numero, kind, kind)
		}
		if strings.TrimSpace(c.Intitule) == "" {
			p.add(field+".intitule", "missing")
		}
		if c.Niveau != 0 && (c.Niveau < maillage.MinLevel || c.Niveau > maillage.MaxLevel) {
			p.add(field+".niveau", "%d is out of range: levels go from %d to %d", c.Niveau, maillage.MinLevel, maillage.MaxLevel)
		} else if c.Niveau == 0 && kind == maillage.KindRNCP {
			p.add(field+".niveau", "missing: an RNCP title has a level from %d to %d", maillage.MinLevel, maillage.MaxLevel)
		}
		if c.ValideDu != nil && c.ValideAu != nil && c.ValideDu.After(*c.ValideAu) {
			p.add(field+".valide_au", "%s is before valide_du %s", c.ValideAu.Format(time.DateOnly), c.ValideDu.Format(time.DateOnly))
		}
		if c.Remplace != "" && (!certs[c.Remplace] || c.Remplace == c.Code) {
			p.add(field+".remplace", "%q is not another certification of this file", c.Remplace)
		}
		cert := &maillage.Certification{Code: c.Code, Kind: kind, Number: c.Numero, NumberConfirmed: c.Confirme,
			Title: strings.TrimSpace(c.Intitule), Level: c.Niveau, NSF: c.NSF, Certificateur: c.Certificateur,
			LegalText: strings.TrimSpace(c.Texte), ValidFrom: dateOnly(c.ValideDu), ValidUntil: dateOnly(c.ValideAu),
			Replaces: c.Remplace, Note: strings.TrimSpace(c.Note), Blocs: []*maillage.Bloc{}}
		ranks := map[int]bool{}
		for j, b := range c.Blocs {
			bfield := fmt.Sprintf("%s.blocs[%d]", field, j)
			switch {
			case b.Code == "":
				p.add(bfield+".code", "missing")
			case blocs[b.Code]:
				p.add(bfield+".code", "%q is used twice", b.Code)
			}
			blocs[b.Code] = true
			if b.Rang < 1 {
				p.add(bfield+".rang", "%d: give the rank of the bloc, from 1", b.Rang)
			} else if ranks[b.Rang] {
				p.add(bfield+".rang", "%d is used twice in %s", b.Rang, c.Code)
			}
			ranks[b.Rang] = true
			if strings.TrimSpace(b.Libelle) == "" {
				p.add(bfield+".libelle", "missing")
			}
			status := maillage.SourceStatus(b.Statut)
			if !status.Valid() {
				p.add(bfield+".statut", "%q is not one of confirme, source_secondaire, non_confirme", b.Statut)
			}
			inBloc := map[string]bool{}
			for k, code := range b.Competences {
				if !competences[code] {
					p.add(fmt.Sprintf("%s.competences[%d]", bfield, k), "competence %q is not in %s", code, PixFile)
				} else if inBloc[code] {
					p.add(fmt.Sprintf("%s.competences[%d]", bfield, k), "competence %q is listed twice", code)
				}
				inBloc[code] = true
			}
			comps := b.Competences
			if comps == nil {
				comps = []string{}
			}
			cert.Blocs = append(cert.Blocs, &maillage.Bloc{Code: b.Code, CertificationCode: c.Code, Rank: b.Rang,
				Label: strings.TrimSpace(b.Libelle), Status: status, Note: strings.TrimSpace(b.Note), Competences: comps})
		}
		ref.Certifications = append(ref.Certifications, cert)
	}
	if err := errors.Join(pixErr, p.err()); err != nil {
		return nil, err
	}
	ref.Versions = []*maillage.ReferentialVersion{
		{Name: baseName(PixFile), Version: pf.Version, SHA256: pixSHA},
		{Name: baseName(CertificationsFile), Version: cf.Version, SHA256: certSHA},
	}
	return ref, nil
}

// checkTexts reports every text of a decoded file that PostgreSQL or a page
// could not take (textProblem), named by its YAML path; a note and a legal
// text may span lines.
func checkTexts(p *problems, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			checkTexts(p, v.Elem(), path)
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkTexts(p, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
			if name == "" {
				continue
			}
			field := name
			if path != "" {
				field = path + "." + name
			}
			checkTexts(p, v.Field(i), field)
		}
	case reflect.String:
		multiline := strings.HasSuffix(path, "note") || strings.HasSuffix(path, "texte")
		if msg := textProblem(v.String(), multiline); msg != "" {
			p.add(path, "%q %s", v.String(), msg)
		}
	}
}

func baseName(name string) string { return strings.TrimSuffix(path.Base(name), path.Ext(name)) }

// dateOnly keeps the calendar day of a YAML date, in UTC.
func dateOnly(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}
