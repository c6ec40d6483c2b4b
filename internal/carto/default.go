package carto

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"maillage/content"
)

// Default is the atlas of the portal's own content files (content/carto
// and content/territoires, embedded), loaded once.
var Default = sync.OnceValues(func() (*Atlas, error) {
	a, err := Load(content.FS())
	if err != nil {
		return nil, err
	}
	if err := a.LoadCommunes(content.FS()); err != nil {
		return nil, err
	}
	return a, nil
})

// commune is a commune's centre.
type commune struct {
	code, dep, nom string
	at             LonLat
}

// LoadCommunes reads the centres of the communes (territoires/communes.csv)
// so that people, who are placed at their commune's centre, can be put on
// the map from what a search hit says (CommuneByName).
func (a *Atlas) LoadCommunes(fsys fs.FS) error {
	b, err := fs.ReadFile(fsys, "territoires/communes.csv")
	if err != nil {
		return fmt.Errorf("carto: %w", err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 2 || len(rows[0]) < 8 {
		return fmt.Errorf("carto: territoires/communes.csv: %v", err)
	}
	a.byCode = make(map[string]*commune, len(rows))
	a.byName = make(map[string]*commune, len(rows))
	for _, r := range rows[1:] {
		lat, err1 := strconv.ParseFloat(r[6], 64)
		lon, err2 := strconv.ParseFloat(r[7], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		c := &commune{code: r[0], dep: r[2], nom: r[1], at: LonLat{lon, lat}}
		a.byCode[c.code] = c
		key := c.dep + "\x00" + strings.ToLower(c.nom)
		if _, dup := a.byName[key]; !dup {
			a.byName[key] = c
		}
	}
	return nil
}

// CommuneByCode is the centre of a commune by INSEE code.
func (a *Atlas) CommuneByCode(code string) (LonLat, bool) {
	if c, ok := a.byCode[code]; ok {
		return c.at, true
	}
	return LonLat{}, false
}

// CommuneByName is the centre of the commune of a département that bears
// name (case is ignored; the first of two namesakes in one département).
func (a *Atlas) CommuneByName(dep, name string) (LonLat, bool) {
	if c, ok := a.byName[dep+"\x00"+strings.ToLower(strings.TrimSpace(name))]; ok {
		return c.at, true
	}
	return LonLat{}, false
}
