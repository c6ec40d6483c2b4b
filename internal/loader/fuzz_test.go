package loader_test

import (
	"fmt"
	"io/fs"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"maillage/content"
	"maillage/internal/loader"
	"maillage/internal/maillage"
)

// The content loader's parsers, fuzzed: a file either loads into values
// PostgreSQL takes (valid UTF-8, no NUL nor other control character, finite
// coordinates on the Earth), or is refused with an error; never a panic.

// badString finds a string field of v (walked through pointers, slices and
// structs) that is not valid UTF-8 or holds a control character (tab and
// newlines allowed when multiline).
func badString(v reflect.Value, path string, multiline bool) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return badString(v.Elem(), path, multiline)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p, ok := badString(v.Index(i), fmt.Sprintf("%s[%d]", path, i), multiline); ok {
				return p, true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if p, ok := badString(v.Field(i), path+"."+v.Type().Field(i).Name, multiline); ok {
				return p, true
			}
		}
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) || maillage.HasControl(s, multiline) {
			return fmt.Sprintf("%s = %q", path, s), true
		}
	}
	return "", false
}

func firstLines(t testing.TB, name string, n int) string {
	b, err := fs.ReadFile(content.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.SplitN(string(b), "\n", n+1)[:n], "\n") + "\n"
}

func FuzzParseCommunes(f *testing.F) {
	header := "code_insee,nom,code_departement,code_region,codes_postaux,population,latitude,longitude\n"
	for _, s := range []string{"\x00", firstLines(f, "territoires/communes.csv", 20), header + "01001,L'Abergement\x00,01,84,01400,860,46.1,4.9\n",
		header + "01001,X,01,84,01400,,NaN,Inf\n", header + "01001,X,01,84,01400,-3,91,181\n", header + "01001,M\xe9ribel,01,84,,1,1,1\n",
		"\ufeff" + header + "01001,\"a\nb\",01,84,01400 01401,1,1e308,-0\n", header + "01001,X\n", header} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := loader.ParseCommunes(fstest.MapFS{"c.csv": {Data: data}}, "c.csv")
		if err != nil {
			return
		}
		if p, bad := badString(reflect.ValueOf(cs), "communes", false); bad {
			t.Fatalf("ParseCommunes(%q) loads %s", data, p)
		}
		for _, c := range cs {
			if math.IsNaN(c.Latitude) || math.IsNaN(c.Longitude) || math.Abs(c.Latitude) > 90 || math.Abs(c.Longitude) > 180 {
				t.Fatalf("ParseCommunes(%q) loads %s at (%v, %v)", data, c.CodeInsee, c.Latitude, c.Longitude)
			}
			if c.Population != nil && *c.Population < 0 {
				t.Fatalf("ParseCommunes(%q) loads %s with %d inhabitants", data, c.CodeInsee, *c.Population)
			}
		}
	})
}

func FuzzParseRegionsAndDepartements(f *testing.F) {
	for _, s := range []string{"\x00", firstLines(f, "territoires/regions.csv", 8), firstLines(f, "territoires/departements.csv", 8),
		"code,nom\n01,Guade\x00loupe\n", "code,nom,code_region\n01,Ain\t,84\n", "code,nom,code_region\n\"01\",\"Ain\"\"\",84,x\n",
		"code,nom\n\xff,\xfe\n", "nom\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"t.csv": {Data: data}}
		if rs, err := loader.ParseRegions(fsys, "t.csv"); err == nil {
			if p, bad := badString(reflect.ValueOf(rs), "regions", false); bad {
				t.Fatalf("ParseRegions(%q) loads %s", data, p)
			}
		}
		if ds, err := loader.ParseDepartements(fsys, "t.csv"); err == nil {
			if p, bad := badString(reflect.ValueOf(ds), "departements", false); bad {
				t.Fatalf("ParseDepartements(%q) loads %s", data, p)
			}
		}
	})
}

func FuzzParseReferentiel(f *testing.F) {
	pix, err := fs.ReadFile(content.FS(), loader.PixFile)
	if err != nil {
		f.Fatal(err)
	}
	certs, err := fs.ReadFile(content.FS(), loader.CertificationsFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pix, certs)
	f.Add([]byte("\x00"), []byte("\x00"))
	f.Add([]byte(strings.Replace(string(pix), "libelle: Interagir", `libelle: "Inter\0agir"`, 1)), certs)
	f.Add(pix, []byte(strings.Replace(string(certs), "intitule: Médiateur numérique", `intitule: "Médiateur\u0007 numérique"`, 1)))
	f.Add(pix, []byte(strings.Replace(string(certs), "code: MN\n", "code: \"M\\x00N\"\n", 1)))
	f.Add([]byte("version: 1\ndomaines: []\n"), []byte("version: 1\ncertifications: []\n"))
	f.Add([]byte("version: [\n"), []byte("certifications: {a: *b}\n"))
	f.Fuzz(func(t *testing.T, pix, certs []byte) {
		ref, err := loader.ParseReferentiel(fstest.MapFS{loader.PixFile: {Data: pix}, loader.CertificationsFile: {Data: certs}})
		if err != nil {
			return
		}
		if p, bad := badString(reflect.ValueOf(ref), "referentiel", true); bad {
			t.Fatalf("ParseReferentiel loads %s", p)
		}
	})
}
