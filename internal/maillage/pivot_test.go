package maillage_test

import (
	"testing"

	"maillage/internal/maillage"
)

func TestPivot(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		siret bool
		kind  string
	}{
		{"SIRET valide (exemple du schéma)", "43493312300029", true, maillage.PivotSIRET},
		{"SIRET valide", "73282932000074", true, maillage.PivotSIRET},
		{"clé de contrôle fausse", "43493312300028", false, ""},
		{"La Poste, somme multiple de 5", "35600000049837", true, maillage.PivotSIRET},
		{"La Poste, autre établissement", "35600000012346", true, maillage.PivotSIRET},
		{"La Poste, somme fausse", "35600000012345", false, ""},
		{"La Poste, siège (clé de Luhn)", "35600000000048", true, maillage.PivotSIRET},
		{"bouche-trou", "00000000000000", false, maillage.PivotPlaceholder},
		{"bouche-trou court", "000000000", false, maillage.PivotPlaceholder},
		{"RNA", "W751234567", false, maillage.PivotRNA},
		{"RNA trop court", "W7512345", false, ""},
		{"RNA en minuscule", "w751234567", false, ""},
		{"SIREN", "434933123", false, maillage.PivotSIREN},
		{"RIDET", "1234567001", false, maillage.PivotRIDET},
		{"numéro TAHITI", "A12345001", false, maillage.PivotRIDET},
		{"13 chiffres", "4349331230002", false, ""},
		{"lettres dans un SIRET", "4349331230002A", false, ""},
		{"vide", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maillage.ValidSIRET(tt.in); got != tt.siret {
				t.Errorf("ValidSIRET(%q) = %v, want %v", tt.in, got, tt.siret)
			}
			if got := maillage.PivotKind(tt.in); got != tt.kind {
				t.Errorf("PivotKind(%q) = %q, want %q", tt.in, got, tt.kind)
			}
		})
	}
}

func TestValidSIRENAndRNA(t *testing.T) {
	tests := []struct {
		in         string
		siren, rna bool
	}{
		{"434933123", true, false},
		{"434933124", false, false},
		{"000000000", false, false},
		{"W123456789", false, true},
		{"W12345678X", false, false},
		{"X123456789", false, false},
	}
	for _, tt := range tests {
		if got := maillage.ValidSIREN(tt.in); got != tt.siren {
			t.Errorf("ValidSIREN(%q) = %v, want %v", tt.in, got, tt.siren)
		}
		if got := maillage.ValidRNA(tt.in); got != tt.rna {
			t.Errorf("ValidRNA(%q) = %v, want %v", tt.in, got, tt.rna)
		}
	}
}
