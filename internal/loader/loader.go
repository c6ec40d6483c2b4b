// Package loader reads the content/ files through an fs.FS at start-up and
// syncs them into the database, idempotently: a content set whose SHA-256 is
// unchanged since the last sync is skipped.
package loader

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"maillage/internal/charter"
	"maillage/internal/maillage"
)

// Store is what the loader needs from storage.
type Store interface {
	ContentHash(ctx context.Context, name string) (string, error)
	SyncTerritories(ctx context.Context, sha string, r []*maillage.Region, d []*maillage.Departement, c []*maillage.Commune) error
	SyncReferentiel(ctx context.Context, sha string, ref *maillage.Referential) error
	// SyncCharter stores the charter versions (a text already stored never
	// changes) and returns warnings (a text rendered differently).
	SyncCharter(ctx context.Context, sha string, versions []charter.Version) ([]maillage.Problem, error)
}

// Loader syncs content into a Store.
type Loader struct {
	FS    fs.FS
	Store Store
	Log   *slog.Logger
}

// Result says what a content set did.
type Result struct {
	Name    string
	Skipped bool
	Rows    int
}

// Sync loads every content set that changed, in this order: territoires,
// referentiel, charte.
func (l *Loader) Sync(ctx context.Context) ([]Result, error) {
	sets := []struct {
		name string
		sync func(context.Context) (Result, error)
	}{
		{"territoires", l.syncTerritories},
		{"referentiel", l.syncReferentiel},
		{"charte", l.syncCharter},
	}
	out := make([]Result, 0, len(sets))
	for _, s := range sets {
		res, err := s.sync(ctx)
		if err != nil {
			return out, fmt.Errorf("content %s: %w", s.name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func hashFiles(fsys fs.FS, names ...string) (string, error) {
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (l *Loader) syncTerritories(ctx context.Context) (Result, error) {
	files := []string{"territoires/regions.csv", "territoires/departements.csv", "territoires/communes.csv"}
	res := Result{Name: "territoires"}
	sha, err := hashFiles(l.FS, files...)
	if err != nil {
		return res, err
	}
	if prev, err := l.Store.ContentHash(ctx, res.Name); err != nil {
		return res, err
	} else if prev == sha {
		res.Skipped = true
		return res, nil
	}
	regions, err := ParseRegions(l.FS, files[0])
	if err != nil {
		return res, err
	}
	deps, err := ParseDepartements(l.FS, files[1])
	if err != nil {
		return res, err
	}
	communes, err := ParseCommunes(l.FS, files[2])
	if err != nil {
		return res, err
	}
	if err := l.Store.SyncTerritories(ctx, sha, regions, deps, communes); err != nil {
		return res, err
	}
	res.Rows = len(regions) + len(deps) + len(communes)
	if l.Log != nil {
		l.Log.Info("content synced", "set", res.Name, "regions", len(regions), "departements", len(deps), "communes", len(communes))
	}
	return res, nil
}

// readCSV calls fn for every record, keyed by header name.
func readCSV(fsys fs.FS, name string, want []string, fn func(line int, rec map[string]string) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		idx[header[i]] = i
	}
	for _, w := range want {
		if _, ok := idx[w]; !ok {
			return fmt.Errorf("%s: missing column %q", name, w)
		}
	}
	line := 1
	for {
		rec, err := r.Read()
		line++
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
		m := make(map[string]string, len(idx))
		for i, k := range header {
			if i >= len(rec) {
				break
			}
			v := strings.TrimSpace(rec[i])
			if msg := textProblem(v, false); msg != "" {
				return fmt.Errorf("%s line %d: column %s %s", name, line, k, msg)
			}
			if idx[k] == i { // a column named twice: the last one counts
				m[k] = v
			}
		}
		if err := fn(line, m); err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
}

// textProblem says what is wrong with a text of a content file ("" when
// nothing): PostgreSQL refuses invalid UTF-8 and NUL, and no other control
// character belongs in a name or a label (tab and newlines only in a
// multi-line note).
func textProblem(s string, multiline bool) string {
	switch {
	case !utf8.ValidString(s):
		return "is not UTF-8"
	case maillage.HasControl(s, multiline):
		return "holds a control character"
	}
	return ""
}

// ParseRegions reads regions.csv.
func ParseRegions(fsys fs.FS, name string) ([]*maillage.Region, error) {
	var out []*maillage.Region
	err := readCSV(fsys, name, []string{"code", "nom"}, func(_ int, m map[string]string) error {
		out = append(out, &maillage.Region{Code: m["code"], Nom: m["nom"]})
		return nil
	})
	return out, err
}

// ParseDepartements reads departements.csv.
func ParseDepartements(fsys fs.FS, name string) ([]*maillage.Departement, error) {
	var out []*maillage.Departement
	err := readCSV(fsys, name, []string{"code", "nom", "code_region"}, func(_ int, m map[string]string) error {
		out = append(out, &maillage.Departement{Code: m["code"], Nom: m["nom"], CodeRegion: m["code_region"]})
		return nil
	})
	return out, err
}

// ParseCommunes reads communes.csv.
func ParseCommunes(fsys fs.FS, name string) ([]*maillage.Commune, error) {
	var out []*maillage.Commune
	want := []string{"code_insee", "nom", "code_departement", "code_region", "codes_postaux", "population", "latitude", "longitude"}
	err := readCSV(fsys, name, want, func(_ int, m map[string]string) error {
		c := &maillage.Commune{CodeInsee: m["code_insee"], Nom: m["nom"], CodeDepartement: m["code_departement"], CodeRegion: m["code_region"]}
		c.CodesPostaux = strings.Fields(m["codes_postaux"])
		if c.CodesPostaux == nil {
			c.CodesPostaux = []string{}
		}
		if p := m["population"]; p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 {
				return fmt.Errorf("population %q: a whole number of inhabitants is expected", p)
			}
			c.Population = &n
		}
		var err error
		if c.Latitude, err = strconv.ParseFloat(m["latitude"], 64); err != nil || !(c.Latitude >= -90 && c.Latitude <= 90) {
			return fmt.Errorf("latitude %q: a number of degrees from -90 to 90 is expected", m["latitude"])
		}
		if c.Longitude, err = strconv.ParseFloat(m["longitude"], 64); err != nil || !(c.Longitude >= -180 && c.Longitude <= 180) {
			return fmt.Errorf("longitude %q: a number of degrees from -180 to 180 is expected", m["longitude"])
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// syncCharter reads content/charte (charter.ParseVersions checks every
// file before anything is stored) and stores the versions.
func (l *Loader) syncCharter(ctx context.Context) (Result, error) {
	res := Result{Name: "charte"}
	sub, err := fs.Sub(l.FS, "charte")
	if err != nil {
		return res, err
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return res, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, "charte/"+e.Name())
	}
	sha, err := hashFiles(l.FS, names...)
	if err != nil {
		return res, err
	}
	if prev, err := l.Store.ContentHash(ctx, res.Name); err != nil {
		return res, err
	} else if prev == sha {
		res.Skipped = true
		return res, nil
	}
	versions, err := charter.ParseVersions(sub)
	if err != nil {
		return res, err
	}
	warnings, err := l.Store.SyncCharter(ctx, sha, versions)
	if err != nil {
		return res, err
	}
	for _, w := range warnings {
		if l.Log != nil {
			l.Log.Warn("charter version", "field", w.Field, "key", w.Key)
		}
	}
	res.Rows = len(versions)
	if l.Log != nil {
		l.Log.Info("content synced", "set", res.Name, "versions", len(versions))
	}
	return res, nil
}
