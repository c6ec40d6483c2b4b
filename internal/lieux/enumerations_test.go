package lieux_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"maillage/content"
	"maillage/internal/lieux"
	"maillage/internal/maillage"
)

// closedLists are the Go lists of internal/maillage by schema field.
var closedLists = map[string][]string{
	"itinerance":                      maillage.LieuItinerances,
	"services":                        maillage.LieuServices,
	"publics_specifiquement_adresses": maillage.LieuPublics,
	"prise_en_charge_specifique":      maillage.LieuPrisesEnCharge,
	"frais_a_charge":                  maillage.LieuFrais,
	"dispositif_programmes_nationaux": maillage.LieuDispositifs,
	"formations_labels":               maillage.LieuFormationsLabels,
	"modalites_acces":                 maillage.LieuModalitesAcces,
	"modalites_accompagnement":        maillage.LieuModalitesAccompagnement,
}

// TestClosedListsMatchContent keeps the Go lists equal to the embedded
// enumerations.json, typologies.csv and the patterns of schema.json.
func TestClosedListsMatchContent(t *testing.T) {
	fsys := content.FS()
	b, err := fs.ReadFile(fsys, "lieux/enumerations.json")
	if err != nil {
		t.Fatal(err)
	}
	var enums map[string]json.RawMessage
	if err := json.Unmarshal(b, &enums); err != nil {
		t.Fatal(err)
	}
	b, err = fs.ReadFile(fsys, "lieux/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Version string
		Fields  []struct {
			Name        string
			Constraints struct{ Pattern string }
		}
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Version != maillage.LieuSchemaVersion {
		t.Errorf("schema.json version %s, maillage.LieuSchemaVersion %s", schema.Version, maillage.LieuSchemaVersion)
	}
	patterns := map[string]*regexp.Regexp{}
	for _, f := range schema.Fields {
		if p := f.Constraints.Pattern; p != "" {
			patterns[f.Name] = regexp.MustCompile("^(?:" + p + ")$")
		}
	}
	for name, list := range closedLists {
		var e struct{ Values []string }
		if err := json.Unmarshal(enums[name], &e); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(e.Values, list); diff != "" {
			t.Errorf("%s: enumerations.json (-) vs Go (+):\n%s", name, diff)
		}
		re := patterns[name]
		if re == nil {
			t.Errorf("%s: no pattern in schema.json", name)
			continue
		}
		for _, v := range list {
			if !re.MatchString(v) {
				t.Errorf("%s: %q does not match the schema pattern", name, v)
			}
		}
		if !re.MatchString(strings.Join(list, "|")) {
			t.Errorf("%s: all values joined do not match the schema pattern", name)
		}
	}

	f, err := fsys.Open("lieux/typologies.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want []maillage.Typologie
	for _, r := range recs[1:] { // code,libelle,dans_enum_npm,dans_referentiel_data_inclusion
		want = append(want, maillage.Typologie{Code: r[0], Libelle: r[1], NPM: r[2] == "oui"})
	}
	if diff := cmp.Diff(want, maillage.LieuTypologies); diff != "" {
		t.Errorf("typologies.csv (-) vs Go (+):\n%s", diff)
	}
}

// TestEveryCanonicalValueImportsAsItself also proves that tolerant matching
// never maps two values of a list onto one another.
func TestEveryCanonicalValueImportsAsItself(t *testing.T) {
	var rows []map[string]string
	var want [][]string
	for name, list := range closedLists {
		for i, v := range list {
			rows = append(rows, base(map[string]string{"id": fmt.Sprintf("%s-%d", name, i), name: v}))
			want = append(want, []string{name, v})
		}
	}
	for i, tp := range maillage.LieuTypologies {
		rows = append(rows, base(map[string]string{"id": fmt.Sprintf("typologie-%d", i), "typologie": strings.ToLower(tp.Code)}))
		want = append(want, []string{"typologie", tp.Code})
	}
	rep := parse(t, csvFile(',', rows...), lieux.Options{})
	if len(rep.Errors) != 0 || len(rep.Warnings) != 0 {
		t.Fatalf("errors %v, warnings %v", rep.Errors, rep.Warnings)
	}
	col := map[string]int{}
	for j, c := range lieux.Columns() {
		col[c] = j
	}
	var got [][]string
	for i, r := range rep.Rows {
		var b strings.Builder
		if err := lieux.WriteCSV(&b, []maillage.Lieu{r.Lieu}); err != nil {
			t.Fatal(err)
		}
		rec, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		name := want[i][0]
		got = append(got, []string{name, rec[1][col[name]]})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestV0Mapping: every value of the v0.1 schema's closed lists (15
// services, 11 publics, 5 access conditions, 11 national labels, 4 kinds of
// support) has a row in content/lieux/v0-v1.csv, mapped to a value of the
// v1 lists (or to free text, or dropped).
func TestV0Mapping(t *testing.T) {
	f, err := content.FS().Open(lieux.V0MappingPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range recs[1:] {
		count[r[0]]++
		if r[2] == "" && r[3] == "" || r[2] == "autres_formations_labels" {
			continue
		}
		list, ok := closedLists[r[2]]
		if !ok || !slices.Contains(list, r[3]) {
			t.Errorf("%s « %s » → %s « %s »: not a v1 value", r[0], r[1], r[2], r[3])
		}
	}
	want := map[string]int{"services": 15, "publics_accueillis": 11, "conditions_acces": 5, "labels_nationaux": 11, "modalites_accompagnement": 4}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("v0 values per field (-want +got):\n%s", diff)
	}
}
