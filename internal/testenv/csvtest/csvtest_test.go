package csvtest_test

import (
	"testing"

	"maillage/internal/testenv/csvtest"
)

func TestFile(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"header and rows", string(csvtest.CSV([]string{"id", "nom"}, []string{"1", "Médiathèque"}, []string{"2", "EPN"})),
			"id,nom\n1,Médiathèque\n2,EPN\n"},
		{"quotes what needs it", csvtest.New("id", "nom").Row("1", "Ateliers, \"permanences\"\net prêt").String(),
			"id,nom\n1,\"Ateliers, \"\"permanences\"\"\net prêt\"\n"},
		{"semicolon", csvtest.New("id", "nom").Comma(';').Row("1", "a;b").Row("2", "c,d").String(),
			"id;nom\n1;\"a;b\"\n2;c,d\n"},
		{"BOM and CRLF", csvtest.New("id").BOM().CRLF().Row("1").String(),
			"\ufeffid\r\n1\r\n"},
		{"records by column name", csvtest.New("id", "nom", "commune").Records(
			map[string]string{"nom": "EPN", "id": "7", "inconnue": "x"}, map[string]string{}).String(),
			"id,nom,commune\n7,EPN,\n,,\n"},
		{"no header", csvtest.New().Row("lieu-1", "Médiathèque").String(), "lieu-1,Médiathèque\n"},
		{"raw bytes kept", csvtest.New("nom").Row("M\xe9diath\xe8que").String(), "nom\nM\xe9diath\xe8que\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a separator encoding/csv refuses did not panic")
		}
	}()
	csvtest.New("a").Comma('"').Bytes()
}
